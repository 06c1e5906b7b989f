export { adminDatabaseUrl, dropDatabase, migrate, roleDatabaseUrl, type LedgerRole } from './database';
export { journalEntry, verifyJournal } from './journal';
export { CbdcLedger, type AccountKind, type ChainDecision, type EscrowLock, type EscrowPosting, type Invariant } from './ledger';
export { LedgerError } from './ledger-error';
export { createTestDatabase, type TestDatabase } from './test-database';

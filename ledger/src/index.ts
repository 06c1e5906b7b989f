export { initCluster, postgresBinDir, systemAccount, postgresCommand, clusterDataDir, type ClusterSpec, type ClusterUser } from './cluster';
export {
  adminCredentialsSchema,
  canLogIn,
  CredentialsError,
  databaseLoginSchema,
  loginClient,
  loginPool,
  partyCredentialsSchema,
  queueLoginSchema,
  readCredentialsFile,
  redisOptions,
  writeCredentialsFile,
  type AdminCredentials,
  type DatabaseLogin,
  type PartyCredentials,
  type QueueLogin,
} from './credentials';
export { dropDatabase, migrate } from './database';
export { journalEntry, verifyJournal } from './journal';
export {
  CbdcLedger,
  maxOrdersPerCall,
  type AccountKind,
  type ChainDecision,
  type ChainOrder,
  type EscrowLock,
  type EscrowPosting,
  type EscrowPostingOutcome,
  type Invariant,
  type SignedReceiptJson,
  type StatementLegs,
} from './ledger';
export { PgCheckpoints } from './checkpoints';
export { LedgerError } from './ledger-error';
export {
  groupRole,
  ownerRole,
  partiesOf,
  partyKinds,
  partyOf,
  queuePrefixOf,
  superuserRole,
  type OrgKind,
  type Party,
  type PartyKind,
} from './parties';
export { provisionRoles, type RolePassword } from './roles';
export { freePort, startScratchCluster, type ScratchCluster } from './scratch-cluster';
export { createTestDatabase, type LedgerAccess, type TestDatabase } from './test-database';
export {
  SupervisionLedger,
  lockStatuses,
  type AgentProgress,
  type Aging,
  type BankExposure,
  type ChainOrderRecord,
  type ChainOrderRow,
  type ChainScanPosition,
  type ChainTransition,
  type EscrowLockRow,
  type JournalCheck,
  type LockStatus,
  type Supply,
} from './supervision-ledger';

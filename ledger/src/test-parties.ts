import { partiesOf } from './parties';

/** The parties of the network the tests' scratch clusters stand for: the platform, two banks, the central bank. */
export const testParties = partiesOf([
  { mspId: 'PlatformMSP', kind: 'platform' },
  { mspId: 'BankAMSP', kind: 'bank' },
  { mspId: 'BankBMSP', kind: 'bank' },
  { mspId: 'CentralBankMSP', kind: 'centralBank' },
]);

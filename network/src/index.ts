export { loadNetworkConfig, findOrg, endorsingOrgs, theOrg, type NetworkConfig, type PeerOrg, type Services } from './config';
export { readConnection, readEndpoints, type OrgConnection, type OrgEndpoints } from './connection';
export { customerAttributes } from './customer-registrar';
export { enroll, enrollWithCsr, registerAndEnroll, registerCustomer, type UserAttributes } from './enrollment';
export { chainHeight, connectGateway, peerClient, waitForBlock, type GatewayConnection } from './gateway-client';
export { messageSigner, type MessageSigner } from './message-signer';
export { PeerHeights } from './peer-heights';
export { orgAdmin, type ActingIdentity, type RemoteSigningIdentity, type SigningIdentity } from './identity';
export { Layout } from './layout';
export { up, down, status, runningProfile } from './network';
export { outsiderOrg } from './crypto';
export { ordererChannelInfo } from './channel';
export { committedBlocks, publicTransactions, type PublicTransaction } from './block-reader';
export { ProcessTable, logTail } from './processes';
export { caName } from './ca';
export { peerBuilds, peerProcessName } from './peer';
export { fabricPatches, requestedPatch, type FabricPatch } from './patched-peer';
export { tcpOpen } from './readiness';
export { channelConfig, orderingService, blockSigners, type OrderingService } from './channel-config';
export { orgUser, orgUserName } from './org-users';
export { ledgerDbProcessName, startLedgerDatabase } from './ledger-db';
export { migrateLedger, platformWallet } from './ledger-setup';
export {
  findParty,
  ledgerAccess,
  networkParties,
  ownerCredentialsFile,
  ownerLogin,
  partyCredentials,
  partyCredentialsFile,
  provisionCredentials,
} from './party-credentials';
export { aclFileText, queuesProcessName, startQueues } from './queues';
export { startScratchQueues, type ScratchQueues } from './scratch-queues';

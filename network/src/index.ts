export { loadNetworkConfig, findOrg, type NetworkConfig, type PeerOrg } from './config';
export { readConnection, type OrgConnection } from './connection';
export { registerAndEnroll, type UserAttributes } from './enrollment';
export { connectGateway, peerClient, type GatewayConnection } from './gateway-client';
export { orgAdmin, type SigningIdentity } from './identity';
export { Layout } from './layout';
export { up, down, status, runningProfile } from './network';
export { outsiderOrg } from './crypto';
export { ordererChannelInfo } from './channel';

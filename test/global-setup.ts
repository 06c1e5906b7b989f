import { loadNetworkConfig, runningProfile, up } from '@securepay/network';

/**
 * Brings the real network up before any test, or finds it up. SECUREPAY_PROFILE picks the orderer
 * profile (raft1 by default, raft3 for three Raft orderers); unset, a network already up is reused
 * with whatever profile it has.
 */
export default async function globalSetup(): Promise<void> {
  await up(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
}

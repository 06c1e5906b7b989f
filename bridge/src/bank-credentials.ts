import { findParty, Layout, loadNetworkConfig, partyCredentials, runningProfile } from '@securepay/network';
import type { PartyCredentials } from '@securepay/ledger';
import { bridgeQueuePrefix } from './bridge';

export interface BankSetup {
  layout: Layout;
  /** The bank's own: its ledger role and password, its Redis user, password and key prefix. */
  credentials: PartyCredentials;
  /** BRIDGE_QUEUE_NAMESPACE: a namespace under the bank's key prefix, when the bridge was given one. */
  queueNamespace?: string;
  /** Where its queues are: the bridge and the dead-letter tool find the same ones from the same settings. */
  queuePrefix: string;
}

/**
 * What a bank's bridge process and its dead-letter tool log in with: the bank's credentials file
 * (SECUREPAY_CREDENTIALS, else the bank's file in the running network's layout), never another's.
 */
export function bankSetup(bank: string, env: NodeJS.ProcessEnv = process.env): BankSetup {
  const layout = new Layout(loadNetworkConfig({ profile: env.SECUREPAY_PROFILE ?? runningProfile() }));
  const credentials = partyCredentials(layout, findParty(layout.network, { kind: 'bank', mspId: bank }), env);
  const queueNamespace = env.BRIDGE_QUEUE_NAMESPACE || undefined;
  return { layout, credentials, queueNamespace, queuePrefix: bridgeQueuePrefix(credentials.queues, queueNamespace) };
}

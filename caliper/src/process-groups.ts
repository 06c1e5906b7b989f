import {
  caName,
  Layout,
  ledgerDbProcessName,
  peerProcessName,
  ProcessTable,
  queuesProcessName,
  type NetworkConfig,
} from '@securepay/network';
// Not re-exported by the package's index; the name `up` gives each org's chaincode server.
import { chaincodeProcessName } from '@securepay/network/src/chaincode';
import { serviceNames } from '@securepay/demo';
import type { GroupRoot } from './cpu-groups';

/** The groups CPU is reported for, in the order tables show them. */
export const groupOrder = [
  'peers',
  'chaincode servers',
  'orderers',
  'Caliper worker',
  'Caliper manager',
  'bench driver',
  'bridges + escrow agent',
  'platform API',
  'ledger PostgreSQL',
  'Redis',
  'CAs',
];

/**
 * The roots of every process group, from the network's process table (the pids `up` recorded, by
 * name) and the bench's own process tree: the bench itself, Caliper's manager (its child), and the
 * manager's children — the Caliper workers, which generate the load.
 */
export function processGroupRoots(config: NetworkConfig, benchPid: number, caliperManagerPid: number | undefined): GroupRoot[] {
  const banks = config.orgs.filter((o) => o.kind === 'bank').map((o) => o.mspId);
  const named = new Map<string, string>([
    ...config.orgs.map((o) => [peerProcessName(o), 'peers'] as const),
    ...config.orgs.map((o) => [chaincodeProcessName(o), 'chaincode servers'] as const),
    ...config.orgs.map((o) => [caName(o), 'CAs'] as const),
    ...config.orderers.map((o) => [o.name, 'orderers'] as const),
    ...serviceNames(banks).map(
      (name) => [name, name === 'api' ? 'platform API' : name === 'supervision' ? 'supervision' : 'bridges + escrow agent'] as const,
    ),
    [ledgerDbProcessName, 'ledger PostgreSQL'],
    [queuesProcessName, 'Redis'],
  ]);
  const table = new ProcessTable(new Layout(config).pidDir);
  const roots: GroupRoot[] = table.all().map((record) => ({ group: named.get(record.name) ?? record.name, pid: record.pid }));
  roots.push({ group: 'bench driver', pid: benchPid });
  if (caliperManagerPid !== undefined) {
    roots.push({ group: 'Caliper manager', pid: caliperManagerPid }, { group: 'Caliper worker', childrenOf: caliperManagerPid });
  }
  return roots;
}

import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { networkDir } from './config';
import type { Layout } from './layout';

export const ccaasBuilderDir = path.join(networkDir, 'builders', 'ccaas');

/**
 * Fabric's default node configs, copied from the installed module's sampleconfig/ at run time (never
 * committed). Settings that differ per node are given by environment variables when each node
 * starts; the two edited here cannot be: viper ignores an empty CORE_VM_ENDPOINT, and the list of
 * external builders is a structure.
 */
export function writeNodeConfigs(layout: Layout, fabricModuleDir: string): string {
  const dir = path.join(layout.configDir, 'fabric');
  if (existsSync(path.join(dir, 'core.yaml'))) return dir;
  mkdirSync(dir, { recursive: true });
  const sample = path.join(fabricModuleDir, 'sampleconfig');

  const core = parseDocument(readFileSync(path.join(sample, 'core.yaml'), 'utf8'));
  // No Docker here: with an empty endpoint the peer neither builds images nor health-checks a daemon.
  core.setIn(['vm', 'endpoint'], '');
  core.setIn(['chaincode', 'externalBuilders'], [{ name: 'ccaas', path: ccaasBuilderDir }]);
  writeFileSync(path.join(dir, 'core.yaml'), core.toString());

  copyFileSync(path.join(sample, 'orderer.yaml'), path.join(dir, 'orderer.yaml'));
  return dir;
}

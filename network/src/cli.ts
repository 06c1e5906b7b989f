import { parseArgs } from 'node:util';
import { loadNetworkConfig } from './config';
import { installFabric } from './install';
import { log } from './log';
import { Layout } from './layout';
import { migrateLedger } from './ledger-setup';
import { down, runningProfile, status, up } from './network';

const usage = `usage: network <install|up|down|status|ledger-migrate> [--profile raft1|raft3|bft4] [--config network.yaml]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { profile: { type: 'string' }, config: { type: 'string' } },
  });
  // `down`, `status` and `ledger-migrate` act on whatever is up; `up` on what is asked for.
  const command = positionals[0];
  const profile = values.profile ?? (command === 'up' ? undefined : runningProfile());
  const network = loadNetworkConfig({ file: values.config, profile });
  switch (command) {
    case 'install':
      await installFabric(network);
      return;
    case 'up':
      await up(network);
      return;
    case 'down':
      await down(network);
      return;
    case 'ledger-migrate':
      await migrateLedger(new Layout(network));
      return;
    case 'status':
      for (const s of status(network))
        process.stdout.write(`${s.running ? 'up  ' : 'DOWN'}  ${s.name.padEnd(18)} pid ${s.pid}  ${s.log}\n`);
      return;
    default:
      throw new Error(usage);
  }
}

main().catch((error: unknown) => {
  log.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

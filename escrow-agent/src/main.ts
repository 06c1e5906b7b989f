import pino from 'pino';
import { Layout, loadNetworkConfig, runningProfile } from '@securepay/network';
import { startAgentOnNetwork } from './agent-on-network';

/**
 * The central bank's escrow agent as a process: `npm run escrow-agent`. It reads from the central
 * bank's own peer as the central bank, logs in to the ledger and to Redis as the escrow agent (its
 * credentials file: SECUREPAY_CREDENTIALS, else its own in the central bank's folder), and keeps its
 * receipt key in the central bank's folder. Environment: ESCROW_AGENT_QUEUE_NAMESPACE,
 * ESCROW_AGENT_START_BLOCK (where to start without a checkpoint), ESCROW_AGENT_SWEEP_MS.
 */
async function main(): Promise<void> {
  const log = pino({ base: { service: 'escrow-agent' } }, pino.destination(2));
  const layout = new Layout(loadNetworkConfig({ profile: process.env.SECUREPAY_PROFILE ?? runningProfile() }));
  const agent = await startAgentOnNetwork(layout, {
    queueNamespace: process.env.ESCROW_AGENT_QUEUE_NAMESPACE || undefined,
    startBlock: process.env.ESCROW_AGENT_START_BLOCK ? BigInt(process.env.ESCROW_AGENT_START_BLOCK) : undefined,
    sweepEveryMs: process.env.ESCROW_AGENT_SWEEP_MS ? Number(process.env.ESCROW_AGENT_SWEEP_MS) : undefined,
    log,
  });
  const stop = (): void => {
    void agent.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`escrow agent failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

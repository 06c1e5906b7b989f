import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import type { Logger } from 'pino';
import type { EventPosition } from './checkpoints';

/**
 * Reads chaincode events from `from` on (or from `startBlock` without a position), reconnecting
 * whenever the stream breaks — a peer restart ends the gateway's iterator (fabric-gateway #261) — and
 * resuming after the last event handed to `onEvent`.
 */
export async function readEvents(
  network: Network,
  chaincode: string,
  from: EventPosition | undefined,
  startBlock: bigint,
  signal: AbortSignal,
  log: Logger,
  onEvent: (event: ChaincodeEvent) => Promise<void>,
): Promise<void> {
  let position = from;
  let backoff = 250;
  while (!signal.aborted) {
    try {
      const at = position;
      log.info(
        { from: at ? { block: at.blockNumber.toString(), tx: at.transactionId } : { block: startBlock.toString() } },
        'reading chaincode events',
      );
      const events = await network.getChaincodeEvents(
        chaincode,
        at ? { checkpoint: { getBlockNumber: () => at.blockNumber, getTransactionId: () => at.transactionId } } : { startBlock },
      );
      const close = (): void => events.close();
      signal.addEventListener('abort', close);
      try {
        for await (const event of events) {
          await onEvent(event);
          position = { blockNumber: event.blockNumber, transactionId: event.transactionId };
          backoff = 250;
        }
      } finally {
        signal.removeEventListener('abort', close);
        events.close();
      }
    } catch (error) {
      if (signal.aborted) return;
      log.warn({ err: (error as Error).message, retryInMs: backoff }, 'event stream broke; reconnecting');
    }
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 5_000);
  }
}

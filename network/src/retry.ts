import { sleep } from './processes';

/** Retries an operation that fails while the network is still settling (e.g. Raft electing a leader). */
export async function retry<T>(what: string, attempt: () => Promise<T>, tries = 10, delayMs = 1_000): Promise<T> {
  let lastError: unknown;
  for (let i = 1; i <= tries; i++) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      if (i < tries) await sleep(delayMs);
    }
  }
  throw new Error(`${what} failed after ${tries} tries: ${String(lastError)}`);
}

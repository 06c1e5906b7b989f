/** One item's outcome: what `work` returned, or what it threw. */
export type Settled<I, T> = { item: I; ok: true; value: T } | { item: I; ok: false; error: unknown };

/**
 * Runs `work` for every item, at most `limit` at a time, and reports each outcome; one item's failure
 * stops no other. A job that covers every order of a batch transaction does each order's part this way,
 * so one order that must be tried again never holds up the rest.
 */
export async function settleAll<I, T>(items: readonly I[], limit: number, work: (item: I) => Promise<T>): Promise<Settled<I, T>[]> {
  const outcomes: Settled<I, T>[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i]!;
      try {
        outcomes[i] = { item, ok: true, value: await work(item) };
      } catch (error) {
        outcomes[i] = { item, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return outcomes;
}

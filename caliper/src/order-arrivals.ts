/** One order's outcome: how long it took and, if it went through, where its time went. */
export interface OrderOutcome<P> {
  ok: boolean;
  ms: number;
  error?: string;
  phases?: P;
}

type Drive<P> = (index: number) => Promise<P>;

async function timed<P>(drive: Drive<P>, index: number): Promise<OrderOutcome<P>> {
  const started = Date.now();
  try {
    const phases = await drive(index);
    return { ok: true, ms: Date.now() - started, phases };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: (error as Error).message };
  }
}

/**
 * Closed loop: `total` orders, `inFlight` at a time, the next one starting as one finishes. Outcomes
 * in the order the orders finished.
 */
export async function closedLoop<P>(
  total: number,
  inFlight: number,
  drive: Drive<P>,
  progress?: (done: number) => void,
): Promise<OrderOutcome<P>[]> {
  const results: OrderOutcome<P>[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      results.push(await timed(drive, i));
      progress?.(results.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return results;
}

/**
 * Open loop: an order every 1/`perSecond` seconds (order i at start + i/`perSecond`, so a late timer
 * does not slow the rate), however many are still under way — as orders reach a platform from
 * buyers who do not wait for each other. Orders keep starting until `finished` of them have
 * finished; those started by then are waited for. Outcomes in the order the orders finished.
 *
 * A rate the system cannot carry would pile up orders without end, and draining them would take
 * longer than the round: past `maxUnderWay` orders under way, the next waits for one to finish and
 * counts as `held` — a round with any held has measured more than it could carry, not that rate.
 */
export async function openLoop<P>(
  perSecond: number,
  finished: number,
  drive: Drive<P>,
  progress?: (done: number) => void,
  maxUnderWay = Math.max(100, Math.ceil(perSecond * 20)),
): Promise<{ outcomes: OrderOutcome<P>[]; held: number }> {
  const results: OrderOutcome<P>[] = [];
  const started: Promise<void>[] = [];
  let underWay = 0;
  let held = 0;
  let slotFreed = (): void => undefined;
  const start = Date.now();
  for (let i = 0; results.length < finished; i++) {
    const due = start + (i * 1000) / perSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    if (underWay >= maxUnderWay) {
      held += 1;
      await new Promise<void>((r) => (slotFreed = r));
    }
    if (results.length >= finished) break;
    underWay += 1;
    started.push(
      timed(drive, i).then((outcome) => {
        underWay -= 1;
        results.push(outcome);
        progress?.(results.length);
        slotFreed();
      }),
    );
  }
  await Promise.all(started);
  return { outcomes: results, held };
}

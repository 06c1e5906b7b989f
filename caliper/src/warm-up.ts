/**
 * Seconds of warm-up before a closed-loop round on orders is measured: long enough for an order
 * started at the beginning to reach its last step, so the measured phase sees the workflow's own mix
 * of steps rather than mostly its first ones. By Little's law each step of an order takes about
 * load / throughput seconds; `assumedTps` is a throughput this machine's workflows reach.
 */
export function warmUpSeconds(options: { stepsPerOrder: number; load: number; assumedTps: number; minimum: number }): number {
  const { stepsPerOrder, load, assumedTps, minimum } = options;
  if (stepsPerOrder < 1 || load < 1 || assumedTps <= 0 || minimum < 0)
    throw new Error(`cannot size a warm-up for ${JSON.stringify(options)}`);
  return Math.max(minimum, Math.ceil((stepsPerOrder * load) / assumedTps));
}

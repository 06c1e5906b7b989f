/** What choosing among a sweep's points needs of each point. */
export interface SweepPoint {
  goodputTps: number;
  failed: number;
  /** A prepared pool ran out during the measured phase: its goodput covers idle time too. */
  ranDry?: boolean;
}

/**
 * The point a sweep reports: the most goodput among the points with zero failures and a pool that
 * lasted. If there is none, the point with the fewest failures (then the most goodput) — the caller
 * sees `failed` > 0 or `ranDry` on it, so it is never mistaken for a clean figure.
 */
export function bestPoint<T extends SweepPoint>(points: readonly T[]): T {
  if (points.length === 0) throw new Error('a sweep with no points has no best');
  const clean = points.filter((p) => p.failed === 0 && !p.ranDry);
  const byGoodput = (a: T, b: T): number => b.goodputTps - a.goodputTps;
  if (clean.length > 0) return [...clean].sort(byGoodput)[0]!;
  return [...points].sort((a, b) => a.failed - b.failed || Number(a.ranDry ?? false) - Number(b.ranDry ?? false) || byGoodput(a, b))[0]!;
}

import type { OrderWindows } from '@securepay/client';

/** The shortest window this bank lets its customers' orders carry, per window; absent means no minimum. */
export type WindowPolicy = Partial<Record<keyof OrderWindows, number>>;

const windowNames: (keyof OrderWindows)[] = [
  'approvalMs',
  'deliveryMs',
  'confirmationMs',
  'depositMs',
  'resolutionMs',
  'settlementMs',
  'proofMs',
];

/**
 * A buyer (or the platform's defaults) may send any window the channel allows; a 1-second deposit
 * window would make a dispute free to win. So each bank approves only orders whose windows meet its
 * own minimums, and says which do not.
 */
export function windowProblems(windows: OrderWindows, policy: WindowPolicy): string[] {
  return windowNames.flatMap((name) => {
    const minimum = policy[name];
    return minimum !== undefined && windows[name] < minimum
      ? [`${name} ${windows[name]} is below this bank's minimum of ${minimum} ms`]
      : [];
  });
}

/** `BRIDGE_MIN_WINDOWS`: `depositMs=3600000,confirmationMs=86400000`; unknown names and non-numbers are refused. */
export function parseWindowPolicy(text: string | undefined): WindowPolicy {
  const policy: WindowPolicy = {};
  for (const pair of (text ?? '').split(',').filter((p) => p.trim())) {
    const [name, value] = pair.split('=').map((s) => s.trim());
    const ms = Number(value);
    if (!windowNames.includes(name as keyof OrderWindows) || !Number.isInteger(ms) || ms < 0)
      throw new Error(`BRIDGE_MIN_WINDOWS is <window>=<ms>,… with windows ${windowNames.join(', ')}; "${pair}" is not`);
    policy[name as keyof OrderWindows] = ms;
  }
  return policy;
}

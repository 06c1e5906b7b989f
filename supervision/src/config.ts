import { z } from 'zod';

const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** The supervision service's settings, all from the environment; the README lists the same. */
export const supervisionConfigSchema = z.object({
  SUPERVISION_HOST: z.string().default('127.0.0.1'),
  SUPERVISION_PORT: z.coerce.number().int().min(0).max(65535).default(3100),
  /** The central bank's operator's bearer token: nobody else's opens the API. */
  SUPERVISION_TOKEN: z.string().min(32, 'SUPERVISION_TOKEN must be 32+ characters'),
  /** Where the chain view begins when its database holds no position yet. */
  SUPERVISION_START_BLOCK: z
    .string()
    .regex(/^\d+$/, 'SUPERVISION_START_BLOCK is a block number')
    .default('0')
    .transform((s) => BigInt(s)),
  /** Addresses allowed to call (any, if empty); the others get 403. */
  SUPERVISION_ALLOW_IPS: list,
  /** The aging bands' lower bounds in seconds, after the first (0). */
  SUPERVISION_AGING_BANDS: z
    .string()
    .default('60,600,3600,86400')
    .transform((text, ctx) => {
      const bands = text.split(',').map((s) => Number(s.trim()));
      if (bands.some((b, i) => !Number.isInteger(b) || b <= 0 || (i > 0 && b <= bands[i - 1]!)) || bands.length > 20) {
        ctx.addIssue({ code: 'custom', message: 'SUPERVISION_AGING_BANDS is up to 20 increasing whole numbers of seconds' });
        return z.NEVER;
      }
      return bands;
    }),
});
export type SupervisionConfig = z.infer<typeof supervisionConfigSchema>;

export function loadSupervisionConfig(env: NodeJS.ProcessEnv = process.env): SupervisionConfig {
  const parsed = supervisionConfigSchema.safeParse(env);
  if (!parsed.success) throw new Error(`supervision configuration: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

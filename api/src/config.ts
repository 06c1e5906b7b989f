import { z } from 'zod';
import { minMasterSecretLength } from './sealed-box';

const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** `BankAMSP=<value>,BankBMSP=<value>`: one setting per bank, each value checked by `valid`. */
const perBank = (name: string, what: string, valid: (value: string) => boolean) =>
  z
    .string()
    .default('')
    .transform((text, ctx) => {
      const values = new Map<string, string>();
      for (const pair of text.split(',').filter((p) => p.trim())) {
        const [bank, value] = pair.split('=').map((s) => s.trim());
        if (!bank || !value || !valid(value)) {
          ctx.addIssue({ code: 'custom', message: `${name} is BankAMSP=<${what}>,…` });
          return z.NEVER;
        }
        values.set(bank, value);
      }
      return values;
    });

const token = (value: string): boolean => value.length >= 32;
const httpUrl = (value: string): boolean => /^https?:\/\/[^\s]+$/.test(value);

/** The API's settings, all from the environment; README's configuration table lists the same. */
export const apiConfigSchema = z.object({
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SECUREPAY_KEYSTORE_SECRET: z
    .string()
    .min(minMasterSecretLength, `SECUREPAY_KEYSTORE_SECRET must be ${minMasterSecretLength}+ characters`),
  API_PLATFORM_TOKEN: z.string().min(32, 'API_PLATFORM_TOKEN must be 32+ characters'),
  API_BANK_TOKENS: perBank('API_BANK_TOKENS', 'token of 32+ characters', token),
  // Each bank's customer onboarding, and the token the platform presents there.
  API_ONBOARDING_URLS: perBank('API_ONBOARDING_URLS', 'http(s) URL', httpUrl),
  API_ONBOARDING_TOKENS: perBank('API_ONBOARDING_TOKENS', 'token of 32+ characters', token),
  API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  API_RATE_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  API_ALLOW_IPS: list,
  API_DENY_IPS: list,
  API_TRUST_PROXY: z.string().default(''),
  API_CURRENCY: z.string().default('CNY'),
  API_COMMISSION_BPS: z.coerce.number().int().min(0).max(10_000).default(250),
  PLATFORM_WALLET: z.string().default('platform-fees'),
  /** How long a step waits for others to share its batch transaction; 0 sends every step alone. */
  API_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(5_000).default(50),
  API_BATCH_MAX: z.coerce.number().int().min(1).max(500).default(200),
  /**
   * `on-proposal`: the platform approves every proposal that passes its checks in the transaction that
   * carries it (batched only); `separate`: its operator approves each order with its own call.
   */
  API_PLATFORM_APPROVAL: z.enum(['on-proposal', 'separate']).default('on-proposal'),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = apiConfigSchema.safeParse(env);
  if (!parsed.success) throw new Error(`API configuration: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

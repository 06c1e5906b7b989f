import { z } from 'zod';
import { defaultLockoutPolicy, type LockoutPolicy } from './lockout-policy';
import { defaultRateLimits, type RateLimits } from './rate-limits';
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

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off'])
    .default(fallback)
    .transform((value) => value === 'on');

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
  // Requests per window (rate-limits.ts): per client address without a valid token, per user token, per operator token.
  API_RATE_LIMIT: z.coerce.number().int().min(1).default(defaultRateLimits.address),
  API_RATE_LIMIT_USER: z.coerce.number().int().min(1).default(defaultRateLimits.user),
  API_RATE_LIMIT_OPERATOR: z.coerce.number().int().min(1).default(defaultRateLimits.operator),
  API_RATE_WINDOW_MS: z.coerce.number().int().min(1000).default(defaultRateLimits.windowMs),
  // Failed authentication (lockout-policy.ts): slowed from the first, locked out at the Nth within the window.
  API_AUTH_LOCKOUT_AFTER: z.coerce.number().int().min(1).default(defaultLockoutPolicy.failuresToLock),
  API_AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(defaultLockoutPolicy.windowMs),
  API_AUTH_LOCKOUT_MS: z.coerce.number().int().min(1000).default(defaultLockoutPolicy.lockoutMs),
  API_AUTH_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(defaultLockoutPolicy.baseDelayMs),
  API_AUTH_MAX_DELAY_MS: z.coerce.number().int().min(0).max(30_000).default(defaultLockoutPolicy.maxDelayMs),
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
  /**
   * Who carries a custodial merchant's approval and shipment and a custodial courier's delivery:
   * `platform` — signed by the user as intents in the platform's batch, beside the buyers' (one stream
   * for every user); `user` — in a batch of the user's own transactions, signed with its own key.
   */
  API_USER_STEPS: z.enum(['platform', 'user']).default('platform'),
  /** A namespace under the platform's own queue prefix (`<prefix>:<namespace>`): keeps test runs apart. */
  API_QUEUE_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9-]*$/, 'API_QUEUE_NAMESPACE is letters, digits and -')
    .default(''),
  // Webhooks (README "Webhooks"): where they may go, how long each try waits, how retries back off.
  /** `on` lets subscriptions name loopback, private and link-local addresses (a receiver on this machine). */
  API_WEBHOOK_ALLOW_PRIVATE: onOff('off'),
  API_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  API_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5_000),
  API_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).default(3_600_000),
  /** How long a delivery is retried from its first failed attempt before it is parked. */
  API_WEBHOOK_RETRY_FOR_MS: z.coerce.number().int().min(0).default(86_400_000),
  /** A subscription is paused once this many attempts in a row have failed … */
  API_WEBHOOK_PAUSE_FAILURES: z.coerce.number().int().min(1).default(20),
  /** … over at least this long, without one success between. */
  API_WEBHOOK_PAUSE_AFTER_MS: z.coerce.number().int().min(0).default(86_400_000),
  API_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** How often deliveries that are due but have no job in Redis (Redis lost it) are queued again. */
  API_WEBHOOK_SWEEP_MS: z.coerce.number().int().min(100).default(10_000),
  API_WEBHOOK_MAX_PER_CALLER: z.coerce.number().int().min(1).max(1000).default(10),
  /** The most events one replay request sends again; the answer names where the next one starts. */
  API_WEBHOOK_REPLAY_MAX: z.coerce.number().int().min(1).max(100_000).default(1_000),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = apiConfigSchema.safeParse(env);
  if (!parsed.success) throw new Error(`API configuration: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function rateLimitsOf(config: ApiConfig): RateLimits {
  return {
    windowMs: config.API_RATE_WINDOW_MS,
    operator: config.API_RATE_LIMIT_OPERATOR,
    user: config.API_RATE_LIMIT_USER,
    address: config.API_RATE_LIMIT,
  };
}

export function lockoutPolicyOf(config: ApiConfig): LockoutPolicy {
  return {
    failuresToLock: config.API_AUTH_LOCKOUT_AFTER,
    windowMs: config.API_AUTH_FAILURE_WINDOW_MS,
    lockoutMs: config.API_AUTH_LOCKOUT_MS,
    baseDelayMs: config.API_AUTH_DELAY_MS,
    maxDelayMs: config.API_AUTH_MAX_DELAY_MS,
  };
}

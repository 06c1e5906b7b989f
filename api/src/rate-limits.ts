import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { Counter, type Registry } from 'prom-client';
import { ApiError } from './api-error';
import { credentialOf } from './client-identity';

/**
 * Requests per window: per operator token, per user token, and per client address for requests
 * without a valid token. A platform's backend calls from one address for all its users, so the
 * address counts only what carries no credential.
 */
export interface RateLimits {
  windowMs: number;
  operator: number;
  user: number;
  address: number;
}

/**
 * Per minute: 60 000 per operator token (1 000/s), 3 000 per user token (50/s) and 600 per address
 * without a token (10/s). A backend driving 200 requests/s stays within any of them whether it calls
 * with its operator token or with its users' tokens; one user's token (or one script without any)
 * gone wild is stopped without touching the others.
 */
export const defaultRateLimits: RateLimits = { windowMs: 60_000, operator: 60_000, user: 3_000, address: 600 };

const what = { operator: 'operator token', user: 'token', address: 'address' } as const;

/**
 * The rate limit, keyed by the credential `identifyCaller` found (it must run first), answering
 * `429 RATE_LIMITED` with `Retry-After` and the IETF `RateLimit` / `RateLimit-Policy` headers (draft 8:
 * the policy is named `operator`, `user` or `address`). Counts are this process's own: a platform running
 * several API processes behind a balancer gives each its share of the budget.
 */
export function credentialRateLimit(limits: RateLimits, registry: Registry): RequestHandler {
  const limited = new Counter({
    name: 'securepay_api_rate_limited_total',
    help: 'Requests refused by the rate limit, by the kind of credential they were counted against',
    labelNames: ['credential'],
    registers: [registry],
  });
  return rateLimit({
    windowMs: limits.windowMs,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => {
      const credential = credentialOf(res);
      return credential.kind === 'address' ? `address:${ipKeyGenerator(req.ip ?? 'unknown')}` : credential.key;
    },
    limit: (_req, res) => limits[credentialOf(res).kind],
    identifier: (_req, res) => credentialOf(res).kind,
    handler: (_req, res, next) => {
      const { kind } = credentialOf(res);
      limited.inc({ credential: kind });
      next(new ApiError(429, 'RATE_LIMITED', `too many requests for this ${what[kind]}; slow down and retry after Retry-After seconds`));
    },
  });
}

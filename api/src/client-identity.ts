import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { ApiError } from './api-error';
import { LockedOut, type AuthGuard } from './auth-guard';
import type { Caller, UserRegistry } from './user-registry';
import type { VerifiedTokens } from './verified-tokens';

const bearer = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/;
const digestOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Who the rate limit counts a request against: its caller's credential, or its address when it has none. */
export type Credential = { kind: 'operator' | 'user'; key: string } | { kind: 'address' };

export const callerOf = (res: Response): Caller | undefined => res.locals.caller as Caller | undefined;
export const credentialOf = (res: Response): Credential => (res.locals.credential as Credential | undefined) ?? { kind: 'address' };

/**
 * Authenticates the bearer token of every request before anything is counted against it, so the
 * rate limit can be keyed by credential. A request without a token goes on as anonymous (each route
 * says whether it may). A token that is not valid is a failed authentication of its client address:
 * it waits out its delay, its refusal (401, or 429 once the address is locked out) is kept for after
 * the rate limit — which counts it against the address, so a garbage token never buys a budget of
 * its own. A locked-out address is refused before its token is even looked up, unless the token is
 * one this process verified lately (`verified-tokens.ts`).
 */
export function identifyCaller(deps: {
  users: Pick<UserRegistry, 'authenticate'>;
  guard: AuthGuard;
  verified: VerifiedTokens;
}): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('Authorization');
    if (header === undefined) return next();
    const client = req.ip ?? 'unknown';
    const token = bearer.exec(header)?.[1];
    const digest = token === undefined ? undefined : digestOf(token);
    if (digest === undefined || !deps.verified.has(digest)) await deps.guard.check(client);
    const caller = token === undefined ? undefined : await deps.users.authenticate(token);
    if (!caller || digest === undefined) {
      const answer = await deps.guard.failed(client);
      if (answer.kind === 'locked') {
        res.locals.refusal = new LockedOut(answer.lockedForMs);
      } else {
        await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        res.locals.refusal = new ApiError(401, 'UNAUTHENTICATED', 'the bearer token is not valid');
      }
      return next();
    }
    deps.verified.add(digest);
    res.locals.caller = caller;
    res.locals.credential = (
      caller.kind === 'user' ? { kind: 'user', key: `user:${digest}` } : { kind: 'operator', key: caller.scope }
    ) satisfies Credential;
    next();
  };
}

/** The refusal `identifyCaller` kept for after the rate limit, if any. */
export const refuseFailedAuthentication: RequestHandler = (_req, res, next) => next(res.locals.refusal as ApiError | undefined);

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type pg from 'pg';
import type { Logger } from 'pino';
import { z, type ZodType } from 'zod';
import { ApiError, asApiError } from './api-error';
import { AuthGuard } from './auth-guard';
import { callerOf, identifyCaller, refuseFailedAuthentication } from './client-identity';
import type { FailureCounters } from './failure-counters';
import { classifyFault, type Dependencies } from './fault-classifier';
import type { HttpMetrics } from './http-metrics';
import { idempotency } from './idempotency';
import type { LockoutPolicy } from './lockout-policy';
import { credentialRateLimit, type RateLimits } from './rate-limits';
import { ServiceUnavailable } from './service-unavailable';
import { SignatureRequired } from './signing-requests';
import { Download } from './statement-csv';
import { ipFilter } from './ip-filter';
import { openApiDocument } from './openapi';
import type { Route } from './routes';
import type { UserRegistry } from './user-registry';
import { VerifiedTokens } from './verified-tokens';

export interface AppOptions {
  routes: Route[];
  users: Pick<UserRegistry, 'authenticate'>;
  pool: pg.Pool;
  metrics: HttpMetrics;
  health: () => Promise<{ status: string }>;
  log: Logger;
  rateLimits: RateLimits;
  /** Failed authentications and lockouts, shared by the platform's API processes (Redis). */
  authFailures: FailureCounters;
  lockout: LockoutPolicy;
  /** What the API depends on, for answering their faults as `503`s (`fault-classifier.ts`). */
  dependencies: Dependencies;
  allowIps: string[];
  denyIps: string[];
  trustProxy?: string;
  version: string;
}

const dashboardDir = path.join(__dirname, 'dashboard');

function parse<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new ApiError(400, 'INVALID_REQUEST', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
}

/** Public routes take a caller if one is given (`identifyCaller`); the others require one. */
function requireCaller(route: Route): RequestHandler {
  return (_req, res, next) => {
    if (route.access === 'public' || callerOf(res)) return next();
    res.set('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'UNAUTHENTICATED', 'an Authorization: Bearer <token> header is required');
  };
}

function handler(route: Route): RequestHandler {
  return async (req, res) => {
    const params = parse(route.params, req.params, 'params') as Record<string, string> | undefined;
    const query = parse(route.query, req.query, 'query');
    const body = route.method === 'post' ? parse(route.body ?? z.strictObject({}), req.body, 'body') : undefined;
    const result = await route.handle({
      caller: callerOf(res),
      body,
      params: params ?? {},
      query: query ?? {},
      idempotencyKey: res.locals.idempotencyKey as string | undefined,
      receivedAt: res.locals.receivedAt as number,
      retriedSince: res.locals.retriedSince as Date | undefined,
      accepts: (types) => req.accepts(types),
    });
    // A step waiting for the signature of a user who keeps its own key: what to sign, not yet a result.
    if (result instanceof SignatureRequired) res.status(202).json(result);
    else if (result instanceof Download)
      res
        .status(route.status ?? 200)
        .type(result.contentType)
        .attachment(result.filename)
        .send(result.body);
    else res.status(route.status ?? 200).json(result);
  };
}

/**
 * The platform API as an Express app: address filter, helmet headers, bearer authentication (failures
 * slowed, then locked out), a rate limit keyed by credential, JSON bodies of at most 16 KiB,
 * Idempotency-Key on every POST, zod validation, and errors that name the problem without a stack
 * trace — a dependency that did not answer as a `503` naming it.
 */
export function createApp(options: AppOptions): express.Express {
  const { log, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', options.trustProxy);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.receivedAt = Date.now();
    res.locals.requestId = randomUUID();
    res.set('X-Request-Id', res.locals.requestId as string);
    next();
  });
  app.use(metrics.middleware());
  app.use(ipFilter(options.allowIps, options.denyIps));
  app.use(helmet());

  app.get('/health', async (_req, res) => {
    const report = await options.health();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // Who is calling first, so that the rate limit counts each credential apart; a failed
  // authentication is refused only after the rate limit has counted it against its address.
  const guard = new AuthGuard(options.authFailures, options.lockout, metrics.registry, log);
  app.use(identifyCaller({ users: options.users, guard, verified: new VerifiedTokens() }));
  app.use(credentialRateLimit(options.rateLimits, metrics.registry));
  app.use(refuseFailedAuthentication);
  app.use(express.json({ limit: '16kb', strict: true }));

  const document = openApiDocument(options.routes, options.version);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/', express.static(dashboardDir, { index: 'index.html', fallthrough: true }));

  for (const route of options.routes) {
    const chain: RequestHandler[] = [requireCaller(route)];
    if (route.method === 'post') chain.push(idempotency(options.pool, route.keptAnswer));
    app[route.method](route.path, ...chain, handler(route));
  }

  app.use((req, _res, next) => next(new ApiError(404, 'NO_SUCH_ROUTE', `no route ${req.method} ${req.path}; see /openapi.json`)));
  const errors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    // Express's own handler closes a response already under way.
    if (res.headersSent) return next(error);
    const known = asApiError(error) ?? bodyParserError(error) ?? classifyFault(error, options.dependencies);
    if (known) {
      if (known instanceof ServiceUnavailable) {
        log.warn(
          {
            err: error,
            requestId: res.locals.requestId,
            unavailable: known.code,
            subject: known.subject,
            method: req.method,
            path: req.path,
          },
          'request failed: a dependency did not answer',
        );
      } else if (known.status >= 500) log.error({ err: error, requestId: res.locals.requestId }, 'request failed');
      if (known.retryAfterSeconds !== undefined) res.set('Retry-After', String(known.retryAfterSeconds));
      res
        .status(known.status)
        .json({ error: { code: known.code, message: known.message, ...(known.fields ? { fields: known.fields } : {}) } });
      return;
    }
    log.error({ err: error, requestId: res.locals.requestId, method: req.method, path: req.path }, 'request failed');
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: `the request failed on our side; reference ${res.locals.requestId as string}` } });
  };
  app.use(errors);
  return app;
}

/** body-parser's own errors (malformed JSON, too large, wrong charset) carry a 4xx status and a type. */
function bodyParserError(error: unknown): ApiError | undefined {
  const e = error as { status?: number; type?: string };
  if (e.type === 'entity.parse.failed') return new ApiError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
  if (e.type === 'entity.too.large') return new ApiError(413, 'BODY_TOO_LARGE', 'the request body is larger than 16 KiB');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new ApiError(e.status, 'BAD_REQUEST', 'the request could not be read');
  return undefined;
}

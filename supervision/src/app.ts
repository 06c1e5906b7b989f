import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { z, type ZodType } from 'zod';
import { ChainMismatch, SupervisionRefusal } from './supervision-error';
import type { Supervisor } from './supervisor';

/** What the app reads: the supervisor's reports (a test may give its own). */
export type SupervisionReads = Pick<Supervisor, 'supply' | 'exposure' | 'aging' | 'reconciliation' | 'summary'>;

export interface SupervisionAppOptions {
  supervisor: SupervisionReads;
  /** The central bank's operator's bearer token. */
  token: string;
  /** Addresses allowed to call; empty: any that reaches the listening address. */
  allowIps: readonly string[];
  log: Logger;
}

const pageDir = path.join(__dirname, 'page');
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const plainAddress = (address: string | undefined): string => (address ?? '').replace(/^::ffff:/, '');

const noQuery = z.strictObject({});
const agingQuery = z.strictObject({
  bands: z
    .string()
    .regex(/^\d{1,9}(,\d{1,9}){0,19}$/, 'up to 20 comma-separated whole numbers of seconds')
    .transform((text) => text.split(',').map(Number))
    .refine((bands) => bands.every((b, i) => b > 0 && (i === 0 || b > bands[i - 1]!)), 'increasing numbers of seconds above 0')
    .optional(),
  limit: z.coerce.number().int().min(0).max(1000).default(100),
});
const reconciliationQuery = z.strictObject({
  /** How many discrepancies (and awaiting orders) to list; the counts always cover every order. */
  limit: z.coerce.number().int().min(0).max(10_000).default(500),
});

function parse<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const message = result.error.issues
    .map((issue) => {
      const where = ['query', ...issue.path.map(String)].join('.');
      return `${where}: ${issue.code === 'unrecognized_keys' ? `unknown parameter(s) ${issue.keys.join(', ')}` : issue.message}`;
    })
    .join('; ');
  throw new SupervisionRefusal(400, 'INVALID_REQUEST', message);
}

/**
 * Only the central bank's operator: its bearer token, compared in constant time (as digests, so the
 * length of a guess tells nothing either). No token is 401; another token is 403.
 */
function operatorOnly(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.get('Authorization');
    const given = header ? /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(header)?.[1] : undefined;
    if (!given) {
      res.set('WWW-Authenticate', 'Bearer realm="supervision"');
      throw new SupervisionRefusal(401, 'UNAUTHENTICATED', "the central bank's operator token is required: Authorization: Bearer <token>");
    }
    if (!timingSafeEqual(digest(given), expected)) {
      throw new SupervisionRefusal(403, 'FORBIDDEN', "this is the central bank's supervision; the token given is not its operator's");
    }
    next();
  };
}

function addressFilter(allow: readonly string[]): RequestHandler {
  const allowed = new Set(allow.map(plainAddress));
  return (req, _res, next) => {
    if (allowed.size > 0 && !allowed.has(plainAddress(req.socket.remoteAddress))) {
      throw new SupervisionRefusal(403, 'ADDRESS_REFUSED', 'this address may not call the supervision API');
    }
    next();
  };
}

/**
 * The central bank's supervision API and page: read-only JSON routes under `/supervision/`, each
 * behind the operator's token, and the page (static HTML/JS/CSS, no data of its own) at `/`.
 */
export function createSupervisionApp(options: SupervisionAppOptions): express.Express {
  const { supervisor, log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.locals.requestId = randomUUID();
    res.set('X-Request-Id', res.locals.requestId as string);
    next();
  });
  app.use(addressFilter(options.allowIps));
  app.use(helmet());
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/', express.static(pageDir, { index: 'index.html', fallthrough: true }));

  const api = express.Router();
  api.use(operatorOnly(options.token));
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  const get = (route: string, read: (req: Request) => Promise<unknown>): void => {
    api.get(route, async (req, res) => {
      res.json(await read(req));
    });
  };
  get('/supply', async (req) => {
    parse(noQuery, req.query);
    return supervisor.supply();
  });
  get('/exposure', async (req) => {
    parse(noQuery, req.query);
    return supervisor.exposure();
  });
  get('/aging', async (req) => {
    const query = parse(agingQuery, req.query);
    return supervisor.aging(query.bands, query.limit);
  });
  get('/reconciliation', async (req) => {
    const { limit } = parse(reconciliationQuery, req.query);
    const report = await supervisor.reconciliation();
    return {
      ...report,
      counts: { discrepancies: report.discrepancies.length, awaiting: report.awaiting.length },
      discrepancies: report.discrepancies.slice(0, limit),
      awaiting: report.awaiting.slice(0, limit),
    };
  });
  get('/summary', async (req) => {
    parse(noQuery, req.query);
    return supervisor.summary();
  });
  app.use('/supervision', api);

  app.use((req, _res, next) => next(new SupervisionRefusal(404, 'NO_SUCH_ROUTE', `no route ${req.method} ${req.path}`)));
  const errors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof SupervisionRefusal) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    if (error instanceof ChainMismatch) {
      log.error({ err: error.message }, 'the chain view and the peer disagree');
      res.status(503).json({ error: { code: error.code, message: error.message } });
      return;
    }
    log.error({ err: error, requestId: res.locals.requestId, path: req.path }, 'supervision request failed');
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: `the report failed on our side; reference ${res.locals.requestId as string}` } });
  };
  app.use(errors);
  return app;
}

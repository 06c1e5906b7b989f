import { z, type ZodType } from 'zod';
import type { Route } from './routes';

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
      required: ['code', 'message'],
    },
  },
};

const json = (schema: object) => ({ content: { 'application/json': { schema } } });

/** Each field of an object schema as JSON Schema, as a client sends it (before coercion). */
const propertiesOf = (schema: ZodType | undefined): Record<string, object> =>
  schema ? ((z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, object> }).properties ?? {}) : {};

/** The OpenAPI 3.1 document, built from the same route table and zod schemas the server validates with. */
export function openApiDocument(routes: Route[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [
      ...Object.entries(propertiesOf(route.params)).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...Object.entries(propertiesOf(route.query)).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
      ...(route.method === 'post'
        ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{8,128}$' } }]
        : []),
    ];
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.access === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, ...json(z.toJSONSchema(route.body, { io: 'input' })) } } : {}),
      responses: {
        [String(route.status ?? 200)]: {
          description: 'done',
          ...(route.produces ? { content: Object.fromEntries(route.produces.map((type) => [type, {}])) } : {}),
        },
        ...(route.method === 'post'
          ? {
              '400': { description: 'invalid request', ...json(errorSchema) },
              '409': { description: 'refused in the current state, or Idempotency-Key reused', ...json(errorSchema) },
            }
          : {}),
        ...(route.access !== 'public'
          ? {
              '401': { description: 'no or unknown bearer token', ...json(errorSchema) },
              '403': { description: "not this caller's to do", ...json(errorSchema) },
            }
          : {}),
        '429': {
          description:
            'RATE_LIMITED: past the rate limit of the credential (or, without one, the address); LOCKED_OUT: too many failed authentications from this address. Both carry Retry-After; RateLimit and RateLimit-Policy headers come with every answer.',
          ...json(errorSchema),
        },
        '503': {
          description:
            'A dependency did not answer: PEER_UNAVAILABLE (the message names the org), ORDERER_UNAVAILABLE, LEDGER_UNAVAILABLE, QUEUE_UNAVAILABLE, BANK_UNAVAILABLE. Retry after Retry-After seconds with the same Idempotency-Key.',
          ...json(errorSchema),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SecurePay platform API',
      version,
      description:
        'Escrow payments on Hyperledger Fabric with a CBDC wallet ledger. Amounts are strings of digits in minor units. Every POST needs an Idempotency-Key.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
    'x-operational-endpoints': { '/health': 'Fabric, PostgreSQL and Redis reachability', '/metrics': 'Prometheus text format' },
  };
}

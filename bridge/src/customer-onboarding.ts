import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { customerRequestSchema } from '@securepay/client';
import { registerCustomer, type OrgConnection } from '@securepay/network';

export interface CustomerOnboardingOptions {
  /** The bank's own connection: its CA's customer registrar is the only registrar this service holds. */
  connection: OrgConnection;
  /** The token the platform presents; a bank may onboard for several platforms, each with its own. */
  platformToken: string;
  host?: string;
  port?: number;
  log: Logger;
}

export interface RunningOnboarding {
  url: string;
  close(): Promise<void>;
}

const maxBody = 4_096;
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) throw new HttpRefusal(413, 'TOO_LARGE', `a request body is at most ${maxBody} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpRefusal(400, 'BAD_REQUEST', 'the body is not JSON');
  }
}

/**
 * A bank's customer onboarding: the one door through which the platform gets a customer certificate
 * at this bank. It registers `client` identities with the bank's restricted customer registrar and
 * hands back the one-time enrollment secret; the platform (or the user, signing for itself) enrolls
 * with it and so makes the key, which the bank never sees. It cannot issue operator authority: its
 * registrar cannot register an admin, and the contract ignores a `role` of `bank` or `platform`.
 */
export async function startCustomerOnboarding(options: CustomerOnboardingOptions): Promise<RunningOnboarding> {
  const { connection, log } = options;
  const expected = digest(options.platformToken);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== '/customers')
      throw new HttpRefusal(404, 'NOT_FOUND', 'POST /customers is the only route');
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !timingSafeEqual(digest(token), expected))
      throw new HttpRefusal(401, 'UNAUTHENTICATED', 'a valid platform token is required');
    const parsed = customerRequestSchema.safeParse(await bodyOf(request));
    if (!parsed.success) throw new HttpRefusal(400, 'BAD_REQUEST', z.prettifyError(parsed.error).replace(/\n/g, '; '));
    const { enrollmentId, ...attributes } = parsed.data;
    const enrollmentSecret = await registerCustomer(connection, enrollmentId, attributes);
    log.info({ enrollmentId, role: attributes.role }, 'customer registered');
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ enrollmentId, enrollmentSecret }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const refusal =
        error instanceof HttpRefusal
          ? error
          : new HttpRefusal(502, 'CA_REFUSED', `the bank's CA refused the registration: ${(error as Error).message}`);
      if (!(error instanceof HttpRefusal)) log.warn({ err: error }, 'customer registration failed');
      response
        .writeHead(refusal.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: refusal.code, message: refusal.message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    server.once('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  log.info({ url, bank: connection.mspId }, 'customer onboarding listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

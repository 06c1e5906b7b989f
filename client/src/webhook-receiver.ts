import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readWebhook, type WebhookEvent } from './webhook-event';
import { WebhookSignatureError, type VerifyWebhookOptions } from './webhook-signature';

/** One request the receiver got: the raw body as it arrived, and what checking it found. */
export interface ReceivedDelivery {
  receivedAt: number;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The event, when the signature held. */
  event?: WebhookEvent;
  /** Why the delivery was not trusted (`WebhookSignatureError`'s code, or BAD_EVENT for a body that is no event). */
  refused?: string;
  /** What the receiver answered: a status, no answer at all, or a connection it dropped. */
  answer: number | 'hang' | 'close';
}

/** How to answer one delivery: a status, never (the sender's timeout then ends it), or by dropping the connection. */
export type ReceiverAnswer = number | 'hang' | 'close';

export interface WebhookReceiverOptions {
  /** The subscription's secret. Until it is known (it comes back from the subscription) nothing verifies. */
  secret?: string;
  verify?: VerifyWebhookOptions;
  /** Decides each answer; by default 200 for a verified delivery, 400 for any other. */
  answer?(delivery: Omit<ReceivedDelivery, 'answer'>): ReceiverAnswer | Promise<ReceiverAnswer>;
  host?: string;
  port?: number;
}

/**
 * A webhook receiver as a merchant would run it: an HTTP server that reads each delivery's raw body,
 * checks its signature with `readWebhook`, and answers. It keeps every request it got, which is what
 * the demo prints and the tests check; `answer` lets a test make it fail the ways a real one does.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  secret: string | undefined;
  /** Where it listens: `http://<host>:<port>`, once started. */
  url = '';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(private readonly options: WebhookReceiverOptions) {
    this.secret = options.secret;
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => void this.take(request, response, Buffer.concat(chunks)));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(options);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = receiver.server.address() as AddressInfo;
    receiver.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return receiver;
  }

  private async take(request: IncomingMessage, response: ServerResponse, rawBody: Buffer): Promise<void> {
    const delivery: Omit<ReceivedDelivery, 'answer'> = {
      receivedAt: Date.now(),
      path: request.url ?? '/',
      headers: request.headers,
      rawBody,
      ...check(rawBody, request.headers, this.secret, this.options.verify),
    };
    const answer = await (this.options.answer ?? defaultAnswer)(delivery);
    this.received.push({ ...delivery, answer });
    if (answer === 'close') request.socket.destroy();
    else if (answer !== 'hang') response.writeHead(answer, { 'Content-Type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
  }

  /** The trusted events it accepted (answered 2xx), in the order it got them. */
  accepted(): WebhookEvent[] {
    return this.received.filter((d) => d.event && typeof d.answer === 'number' && d.answer < 300).map((d) => d.event!);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const defaultAnswer = (delivery: Omit<ReceivedDelivery, 'answer'>): ReceiverAnswer => (delivery.event ? 200 : 400);

function check(
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  secret: string | undefined,
  verify: VerifyWebhookOptions | undefined,
): { event?: WebhookEvent; refused?: string } {
  if (!secret) return { refused: 'NO_SECRET_YET' };
  const header = headers['securepay-signature'];
  try {
    return { event: readWebhook(rawBody, Array.isArray(header) ? header[0] : header, secret, verify) };
  } catch (error) {
    return { refused: error instanceof WebhookSignatureError ? error.code : 'BAD_EVENT' };
  }
}

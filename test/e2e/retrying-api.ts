import { randomUUID } from 'node:crypto';
import { ApiCallFailed, type SecurePayClient } from '@securepay/api';
import { sleep } from './escrow-driver';

/** Every answer a retrying backend got, by status and error code: what the fault tests judge. */
export class AnswerLog {
  readonly counts = new Map<string, number>();
  readonly unavailable: { code: string; message: string; at: number }[] = [];

  note(status: number, code?: string): void {
    const key = code ? `${status} ${code}` : String(status);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get serverErrors(): string[] {
    return [...this.counts.keys()].filter((k) => k.startsWith('500'));
  }

  summary(): string {
    return [...this.counts].map(([k, n]) => `${k}: ${n}`).join(', ');
  }
}

/**
 * The platform API as a careful backend calls it: a `503` is waited out (its `Retry-After`) and the
 * same request sent again with the same Idempotency-Key, for as long as `patienceMs`; anything else
 * that is not a success fails the call. Every answer is noted in `answers`.
 */
export class RetryingApi {
  constructor(
    private readonly client: SecurePayClient,
    readonly answers: AnswerLog,
    private readonly patienceMs = 180_000,
  ) {}

  async post<T>(path: string, token: string, body: unknown = {}): Promise<T> {
    return this.send<T>('POST', path, token, body, randomUUID());
  }

  async get<T>(path: string, token: string): Promise<T> {
    return this.send<T>('GET', path, token);
  }

  /** Polls an order (with the caller's token, so it counts against that credential) until it is in `state`. */
  async until(orderId: string, state: string, token: string, timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = await this.get<{ state: string }>(`/orders/${orderId}`, token);
      if (order.state === state) return;
      if (Date.now() > deadline) throw new Error(`order ${orderId} is ${order.state}, not ${state}, after ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  }

  private async send<T>(method: 'GET' | 'POST', path: string, token: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const deadline = Date.now() + this.patienceMs;
    for (;;) {
      const response = await this.client.request<T>(method, path, { token, body, idempotencyKey });
      const error = (response.body as { error?: { code: string; message: string } }).error;
      this.answers.note(response.status, error?.code);
      if (response.status < 300) return response.body;
      if (response.status !== 503 || Date.now() > deadline) throw new ApiCallFailed(response.status, response.body, `${method} ${path}`);
      this.answers.unavailable.push({ code: error!.code, message: error!.message, at: Date.now() });
      await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000);
    }
  }
}

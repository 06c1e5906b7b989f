import { randomUUID } from 'node:crypto';
import type { OrderView } from './order-view';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Thrown by `expectOk` helpers: the API's own error code and message, with the status. */
export class ApiCallFailed extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    super(`${what}: HTTP ${status} ${error?.code ?? ''} ${error?.message ?? JSON.stringify(body)}`);
    this.name = 'ApiCallFailed';
  }
}

/**
 * A small client of the platform API, as an e-commerce backend would write one: bearer token, JSON,
 * and an Idempotency-Key generated per POST unless the caller gives its own (to retry safely).
 */
export class SecurePayClient {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; idempotencyKey?: string; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (method === 'POST') {
      headers['Content-Type'] ??= 'application/json';
      headers['Idempotency-Key'] ??= options.idempotencyKey ?? randomUUID();
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: method === 'POST' ? (options.rawBody ?? JSON.stringify(options.body ?? {})) : undefined,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (/metrics): keep the text.
    }
    return { status: response.status, body: body as T, headers: response.headers };
  }

  async get<T = unknown>(path: string, token?: string): Promise<T> {
    const response = await this.request<T>('GET', path, { token });
    if (response.status >= 300) throw new ApiCallFailed(response.status, response.body, `GET ${path}`);
    return response.body;
  }

  async post<T = unknown>(path: string, token: string, body: unknown = {}, idempotencyKey?: string): Promise<T> {
    const response = await this.request<T>('POST', path, { token, body, idempotencyKey });
    if (response.status >= 300) throw new ApiCallFailed(response.status, response.body, `POST ${path}`);
    return response.body;
  }

  /** The platform peer's block height as `/health` reports it: where a bridge started now begins to read. */
  async chainHeight(): Promise<bigint> {
    const health = await this.get<{ checks: { fabric: { detail?: string } } }>('/health');
    const height = /^block height (\d+)$/.exec(health.checks.fabric.detail ?? '')?.[1];
    if (height === undefined) throw new Error(`/health reports no block height: ${JSON.stringify(health.checks.fabric)}`);
    return BigInt(height);
  }

  /** Polls the order's public view until it reaches `state`: the banks' bridges act on their own time. */
  async waitForState(orderId: string, state: string, timeoutMs = 60_000): Promise<OrderView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = await this.get<OrderView>(`/orders/${orderId}`);
      if (order.state === state) return order;
      if (Date.now() > deadline) throw new Error(`order ${orderId} is ${order.state}, not ${state}, after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

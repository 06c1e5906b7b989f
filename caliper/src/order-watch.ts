import { ordersChangedSchema, type OrderChange } from '@securepay/client';
import { connectGateway, orgAdmin, readConnection, type GatewayConnection, type Layout } from '@securepay/network';
import type { ChaincodeEvent, CloseableAsyncIterable } from '@hyperledger/fabric-gateway';

interface Waiter {
  done: (changes: readonly OrderChange[]) => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Follows the channel's `OrdersChanged` events on the platform's peer and answers "has this order
 * got there yet?" without polling anyone: one event stream for every order of a round. It also
 * counts the transactions that changed orders, for transactions per order.
 */
export class OrderWatch {
  private readonly seen = new Map<string, OrderChange[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Every transaction that changed an order, with the time it was seen. */
  /** `steps`: the distinct actions the transaction took, sorted and joined by `+` (`approve`, `approve+propose`). */
  readonly transactions: { txId: string; blockNumber: bigint; at: number; orders: number; steps: string }[] = [];
  private closed = false;

  private constructor(
    private readonly connection: GatewayConnection,
    private readonly events: CloseableAsyncIterable<ChaincodeEvent>,
  ) {
    void this.follow();
  }

  static async start(layout: Layout, startBlock: bigint): Promise<OrderWatch> {
    const platform = layout.network.orgs.find((o) => o.kind === 'platform')!;
    const connection = readConnection(layout, platform.mspId);
    const gateway = connectGateway(connection, orgAdmin(connection));
    const events = await gateway.gateway.getNetwork(connection.channel).getChaincodeEvents(connection.chaincode, { startBlock });
    return new OrderWatch(gateway, events);
  }

  /** Resolves when the order reaches `state` (now or later). */
  reached(orderId: string, state: string, timeoutMs = 120_000): Promise<void> {
    return this.until(orderId, (changes) => changes.some((c) => c.to === state), `${orderId} reaching ${state}`, timeoutMs);
  }

  /** Resolves when `action` has happened `times` times to the order (two deposits recorded, say). */
  happened(orderId: string, action: string, times: number, timeoutMs = 120_000): Promise<void> {
    return this.until(
      orderId,
      (changes) => changes.filter((c) => c.action === action).length >= times,
      `${orderId}: ${times}× ${action}`,
      timeoutMs,
    );
  }

  close(): void {
    this.closed = true;
    this.events.close();
    this.connection.close();
    for (const list of this.waiters.values()) for (const w of list) clearTimeout(w.timer);
  }

  private until(orderId: string, done: Waiter['done'], what: string, timeoutMs: number): Promise<void> {
    if (done(this.seen.get(orderId) ?? [])) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.set(
          orderId,
          (this.waiters.get(orderId) ?? []).filter((w) => w.timer !== timer),
        );
        reject(
          new Error(`not within ${timeoutMs / 1000} s: ${what} (seen: ${(this.seen.get(orderId) ?? []).map((c) => c.action).join(', ')})`),
        );
      }, timeoutMs);
      this.waiters.set(orderId, [...(this.waiters.get(orderId) ?? []), { done, resolve, reject, timer }]);
    });
  }

  private async follow(): Promise<void> {
    try {
      for await (const event of this.events) {
        const payload = ordersChangedSchema.safeParse(JSON.parse(Buffer.from(event.payload).toString('utf8')));
        if (!payload.success) continue;
        this.transactions.push({
          txId: event.transactionId,
          blockNumber: event.blockNumber,
          at: Date.now(),
          orders: payload.data.changes.length,
          steps: [...new Set(payload.data.changes.map((c) => c.action))].sort().join('+'),
        });
        for (const change of payload.data.changes) this.record(change);
      }
    } catch (error) {
      if (!this.closed) for (const list of this.waiters.values()) for (const w of list) w.reject(error as Error);
    }
  }

  private record(change: OrderChange): void {
    const changes = [...(this.seen.get(change.orderId) ?? []), change];
    this.seen.set(change.orderId, changes);
    const waiting = this.waiters.get(change.orderId);
    if (!waiting) return;
    const still = waiting.filter((w) => {
      if (!w.done(changes)) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
    if (still.length > 0) this.waiters.set(change.orderId, still);
    else this.waiters.delete(change.orderId);
  }
}

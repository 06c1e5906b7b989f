import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { percentile } from '@securepay/network/bench/stats';
import { ApiWorld } from '@securepay/demo';

export interface SettlementLatency {
  orders: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Confirmation → money: the full workflow through the platform API with both banks' bridges
 * running, timing from the buyer's confirmation (committed on every peer) until the CBDC ledger
 * has posted the escrow to the merchant, per order, with `lanes` orders in progress at a time.
 */
export async function measureSettlementLatency(options: { orders: number; lanes: number }): Promise<SettlementLatency> {
  // The lanes poll order states many times a second: far past a public client's rate limit.
  const world = await ApiWorld.create({ API_RATE_LIMIT: '1000000', API_RATE_LIMIT_USER: '1000000', API_RATE_LIMIT_OPERATOR: '1000000' });
  try {
    const merchant = await world.register('merchant', 'BankBMSP');
    const courier = await world.register('courier', 'BankBMSP');
    const lags: number[] = [];
    const perLane = Math.ceil(options.orders / options.lanes);
    await Promise.all(
      Array.from({ length: options.lanes }, async () => {
        const buyer = await world.register('buyer', 'BankAMSP');
        await world.fund(buyer, 10_000_000n);
        for (let i = 0; i < perLane; i++) {
          const { client } = world;
          const { orderId } = await world.escrowed({ buyer, merchant, courier }, '1000', 'bench');
          await client.post(`/orders/${orderId}/ship`, merchant.token);
          await client.post(`/orders/${orderId}/deliver`, courier.token, { proofHash: randomBytes(32).toString('hex') });
          await client.post(`/orders/${orderId}/confirm`, buyer.token);
          const confirmed = Date.now();
          while ((await world.db.centralBank.escrowOf(orderId)).status !== 'posted') {
            if (Date.now() - confirmed > 60_000) throw new Error(`order ${orderId} not paid 60 s after confirmation`);
            await sleep(10);
          }
          lags.push(Date.now() - confirmed);
        }
      }),
    );
    return { orders: lags.length, medianMs: percentile(lags, 50), p99Ms: percentile(lags, 99), maxMs: Math.max(...lags) };
  } finally {
    await world.close();
  }
}

import type { SecurePayClient } from '@securepay/api';
import { webhookSignatureHeader, WebhookReceiver, type ReceivedDelivery } from '@securepay/client';

/**
 * The demo's webhook receiver: a local HTTP server subscribed, as the platform's operator, to every
 * settlement. It checks each delivery's signature with the secret the subscription answered with
 * (shown once) and keeps what it got, so the demo can print one delivery as it arrived.
 */
export class WebhookWitness {
  private constructor(
    private readonly receiver: WebhookReceiver,
    readonly subscriptionId: string,
  ) {}

  static async subscribe(api: SecurePayClient, platformToken: string): Promise<WebhookWitness> {
    const receiver = await WebhookReceiver.start();
    const created = await api.post<{ subscription: { subscriptionId: string }; secret: string }>('/webhooks', platformToken, {
      url: `${receiver.url}/securepay`,
      events: ['order.settled'],
    });
    receiver.secret = created.secret;
    return new WebhookWitness(receiver, created.subscription.subscriptionId);
  }

  /** The first delivery whose signature held, waiting for it up to `timeoutMs`. */
  async firstVerified(timeoutMs = 60_000): Promise<ReceivedDelivery | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const delivery = this.receiver.received.find((d) => d.event);
      if (delivery || Date.now() > deadline) return delivery;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What the receiver got in all: verified deliveries, and any it refused (with why). */
  counts(): { verified: number; refused: number } {
    const verified = this.receiver.received.filter((d) => d.event).length;
    return { verified, refused: this.receiver.received.length - verified };
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}

/** One delivery as a merchant's server sees it: the signature header, the body, and that it verified. */
export function printDelivery(delivery: ReceivedDelivery, out: (line: string) => void): void {
  const signature = delivery.headers[webhookSignatureHeader.toLowerCase()];
  out(`POST ${delivery.path}`);
  out(`${webhookSignatureHeader}: ${Array.isArray(signature) ? signature[0] : (signature ?? '')}`);
  out(delivery.rawBody.toString('utf8'));
  out(
    `verified: HMAC-SHA256 over the timestamp and the raw body with the subscription's secret; event ${delivery.event!.id}, order ${delivery.event!.orderId} ${delivery.event!.state}`,
  );
}

import type { Contract } from '@hyperledger/fabric-gateway';
import { EscrowClient, type EscrowClientOptions, type Order, type OrderTerms, type OrderWindows, type Payouts } from '@securepay/client';

/**
 * The platform operator's contract client through its own peer, whose reads go to another org's peer
 * when its own does not answer (`peerDown`): public order state there is the same channel's, and the
 * order terms are read only where the platform may read them — at the banks', the other members of
 * the terms' collection (a peer that cannot answer, the central bank's without the chaincode, is
 * passed by). Submissions stay on the platform's own peer: its endorsement is needed anyway. A peer
 * read from may trail the platform's by a block.
 */
export class FailoverEscrowClient extends EscrowClient {
  constructor(
    contract: Contract,
    private readonly others: () => EscrowClient[],
    private readonly peerDown: (error: unknown) => boolean,
    options: EscrowClientOptions = {},
  ) {
    super(contract, options);
  }

  private async read<T>(own: () => Promise<T>, elsewhere: (other: EscrowClient) => Promise<T>): Promise<T> {
    try {
      return await own();
    } catch (error) {
      if (!this.peerDown(error)) throw error;
      for (const other of this.others()) {
        try {
          return await elsewhere(other);
        } catch {
          // That peer cannot answer either: the next one.
        }
      }
      throw error;
    }
  }

  override getOrder(orderId: string): Promise<Order> {
    return this.read(
      () => super.getOrder(orderId),
      (other) => other.getOrder(orderId),
    );
  }

  override getOrderAndTerms(orderId: string): Promise<{ order: Order; terms: OrderTerms }> {
    return this.read(
      () => super.getOrderAndTerms(orderId),
      (other) => other.getOrderAndTerms(orderId),
    );
  }

  override getPayouts(orderId: string): Promise<Payouts> {
    return this.read(
      () => super.getPayouts(orderId),
      (other) => other.getPayouts(orderId),
    );
  }

  override getWindows(): Promise<OrderWindows> {
    return this.read(
      () => super.getWindows(),
      (other) => other.getWindows(),
    );
  }

  override getWindowBounds(): ReturnType<EscrowClient['getWindowBounds']> {
    return this.read(
      () => super.getWindowBounds(),
      (other) => other.getWindowBounds(),
    );
  }

  override getCompensation(): ReturnType<EscrowClient['getCompensation']> {
    return this.read(
      () => super.getCompensation(),
      (other) => other.getCompensation(),
    );
  }
}

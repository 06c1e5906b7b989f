import { type Contract, type GatewayError, type Network, type Proposal } from '@hyperledger/fabric-gateway';
import {
  ContractRefusal,
  EscrowClient,
  receiptBytes,
  settlementSplit,
  type Order,
  type OrderTerms,
  type OrderWindows,
  type SettlementReceipt,
  type SignedReceipt,
  walletCommitment,
} from '@securepay/client';
import { generateKeyPairSync, randomBytes, randomInt, randomUUID, sign, type KeyObject } from 'node:crypto';
import {
  chainHeight,
  connectGateway,
  orgAdmin,
  registerAndEnroll,
  waitForBlock,
  type GatewayConnection,
  type SigningIdentity,
} from '@securepay/network';
import { connectionOf } from './fixtures';

export type Who = 'platform' | 'bankA' | 'bankB' | 'buyer' | 'merchant' | 'courier' | 'stranger';

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
export const sha256Hex = (): string => randomBytes(32).toString('hex');

/** A gateway error's message with what each endorsing peer said: the contract's refusal is there. */
export function explain(error: unknown): string {
  if (error instanceof ContractRefusal) return `${error.code}: ${error.message}`;
  const details = (error as Partial<GatewayError>).details ?? [];
  return [(error as Error).message, ...details.map((d) => `${d.mspId}@${d.address}: ${d.message}`)].join('\n');
}

export async function refusal(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    return explain(error);
  }
  throw new Error('expected the network to refuse the transaction');
}

/** Rethrows a gateway error with the peers' own words, which the bare message leaves out. */
async function explained<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    throw new Error(explain(error), { cause: error });
  }
}

export interface Party {
  identity: SigningIdentity;
  partyId?: string;
  wallet?: string;
  /** Opens the wallet commitment in the party's certificate; the terms carry it. */
  walletSalt?: string;
  network: Network;
  contract: Contract;
}

/** The end users an order names, where they are not the driver's own buyer, merchant and courier. */
export interface OrderParties {
  buyer?: Party;
  merchant?: Party;
  courier?: Party;
}

/** A party connected through its own org's peer; the connection is added to `connections` for closing. */
function connectParty(mspId: string, identity: SigningIdentity, connections: GatewayConnection[], extra: Partial<Party> = {}): Party {
  const connection = connectGateway(connectionOf(mspId), identity);
  connections.push(connection);
  const { channel, chaincode } = connectionOf(mspId);
  const network = connection.gateway.getNetwork(channel);
  return { identity, ...extra, network, contract: network.getContract(chaincode, 'escrow') };
}

/** An end user registered and enrolled at its bank's CA with a fresh pseudonymous partyId and wallet. */
async function enrollUser(
  mspId: string,
  role: 'buyer' | 'merchant' | 'courier',
  connections: GatewayConnection[],
): Promise<{ party: Party; enrollmentId: string }> {
  const enrollmentId = `${role}-${randomUUID()}`;
  const partyId = `p${randomBytes(8).toString('hex')}`;
  const wallet = `w-${randomUUID()}`;
  const walletSalt = randomBytes(16).toString('hex');
  const identity = await registerAndEnroll(connectionOf(mspId), enrollmentId, {
    role,
    partyId,
    walletCommitment: walletCommitment(wallet, walletSalt),
  });
  return { party: connectParty(mspId, identity, connections, { partyId, wallet, walletSalt }), enrollmentId };
}

/**
 * Drives the escrow contract on the real network as each SecurePay party, every one through its own
 * org's peer with its own enrolled identity. The buyer and a stranger bank at BankA; the merchant
 * and the courier at BankB.
 */
export class EscrowDriver {
  readonly prices: string[] = [];
  readonly wallets: string[] = [];
  readonly enrollmentIds: string[] = [];
  readonly ledgerKey: KeyObject;
  /** The contract as the platform reads it, through the one typed client. */
  private readonly platformEscrow: EscrowClient;

  private constructor(
    readonly parties: Record<Who, Party>,
    private readonly connections: GatewayConnection[],
    ledgerKey: KeyObject,
  ) {
    this.ledgerKey = ledgerKey;
    this.platformEscrow = new EscrowClient(parties.platform.contract);
  }

  static async create(): Promise<EscrowDriver> {
    const connections: GatewayConnection[] = [];
    const enrollmentIds: string[] = [];
    const wallets: string[] = [];
    const party = (mspId: string, identity: SigningIdentity): Party => connectParty(mspId, identity, connections);
    const user = async (mspId: string, role: 'buyer' | 'merchant' | 'courier'): Promise<Party> => {
      const enrolled = await enrollUser(mspId, role, connections);
      enrollmentIds.push(enrolled.enrollmentId);
      wallets.push(enrolled.party.wallet!);
      return enrolled.party;
    };
    const parties: Record<Who, Party> = {
      platform: party('PlatformMSP', orgAdmin(connectionOf('PlatformMSP'))),
      bankA: party('BankAMSP', orgAdmin(connectionOf('BankAMSP'))),
      bankB: party('BankBMSP', orgAdmin(connectionOf('BankBMSP'))),
      buyer: await user('BankAMSP', 'buyer'),
      merchant: await user('BankBMSP', 'merchant'),
      courier: await user('BankBMSP', 'courier'),
      stranger: await user('BankAMSP', 'buyer'),
    };
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const driver = new EscrowDriver(parties, connections, privateKey);
    driver.enrollmentIds.push(...enrollmentIds);
    driver.wallets.push(...wallets);
    await driver.submit('bankB', 'RegisterLedgerKey', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    return driver;
  }

  close(): void {
    this.connections.forEach((c) => c.close());
  }

  /**
   * One more end user, as `create` makes the driver's own: registered and enrolled at `mspId`'s CA
   * (its restricted customer registrar) with a fresh partyId and wallet, connected through its org's
   * peer. Its wallet is not opened: that is its bank's business (see `MoneyWorld.newCustomer`).
   */
  async enroll(mspId: string, role: 'buyer' | 'merchant' | 'courier'): Promise<Party> {
    const { party, enrollmentId } = await enrollUser(mspId, role, this.connections);
    this.enrollmentIds.push(enrollmentId);
    this.wallets.push(party.wallet!);
    return party;
  }

  /**
   * Submits and waits until every org's peer has committed the block, not only the caller's: the next
   * step is often endorsed by another org, whose peer must not endorse from an older state.
   */
  async submit(who: Who, name: string, ...args: string[]): Promise<string> {
    return this.submitAs(this.parties[who], name, ...args);
  }

  /** As `submit`, as any party: one enrolled with `enroll`, say. */
  async submitAs(party: Party, name: string, ...args: string[]): Promise<string> {
    return this.submitProposal(() => party.contract.newProposal(name, { arguments: args }));
  }

  /** The merchant's bank's settlement record: the signed receipt travels in the transient map. */
  async recordSettlement(who: Who, orderId: string, receiptJson: string): Promise<string> {
    const party = this.parties[who];
    return this.submitProposal(() =>
      party.contract.newProposal('RecordSettlement', { arguments: [orderId], transientData: { receipt: receiptJson } }),
    );
  }

  /**
   * Endorses, submits and waits for every peer. A transaction invalidated by a read conflict (another
   * party, a bank's bridge say, changed the same order in the same block), or whose endorsements
   * differed because one peer was a block behind, is endorsed again.
   */
  async submitProposal(proposal: Proposal | (() => Proposal)): Promise<string> {
    const next = typeof proposal === 'function' ? proposal : (): Proposal => proposal;
    for (let attempt = 1; ; attempt++) {
      let submitted;
      try {
        submitted = await explained(
          next()
            .endorse()
            .then((t) => t.submit()),
        );
      } catch (error) {
        // Peers a block apart (a bridge's transaction just committed on one of them) endorse
        // differently; on a network just up, discovery may not yet know every org's peer.
        const transient = /do not match|no combination of peers/.test((error as Error).message);
        if (!transient || attempt >= 20) throw error;
        await sleep(Math.min(2_000, 100 * attempt));
        continue;
      }
      const status = await submitted.getStatus();
      if (status.successful) {
        await this.allPeersAt(status.blockNumber);
        return utf8(submitted.getResult());
      }
      const conflict = status.code === 11 || status.code === 12;
      if (!conflict || attempt >= 5) throw new Error(`transaction ${status.transactionId} failed validation with code ${status.code}`);
      await sleep(100 * attempt);
    }
  }

  /** Waits until every org's peer has every block the platform's peer has (after watching it alone). */
  async syncPeers(): Promise<void> {
    await this.allPeersAt((await chainHeight(this.parties.platform.network)) - 1n);
  }

  /** Waits until the peers of the platform and both banks have committed block `blockNumber`. */
  async allPeersAt(blockNumber: bigint): Promise<void> {
    await waitForBlock([this.parties.platform.network, this.parties.bankA.network, this.parties.bankB.network], blockNumber);
  }

  async evaluate(who: Who, name: string, ...args: string[]): Promise<string> {
    return utf8(await explained(this.parties[who].contract.evaluateTransaction(name, ...args)));
  }

  order(orderId: string): Promise<Order> {
    return this.platformEscrow.getOrder(orderId);
  }

  /**
   * Fresh terms whose price is a 12-digit number found nowhere else, so the privacy test can look for
   * it. An identity without a wallet (an operator) gets the buyer's, to test who may propose. `parties`
   * names a buyer or merchant other than the driver's own (their wallets go into the terms).
   */
  newTerms(buyer: Who = 'buyer', parties: OrderParties = {}): OrderTerms {
    const price = String(randomInt(100_000_000_000, 999_999_999_999));
    this.prices.push(price);
    const payer = parties.buyer ?? (this.parties[buyer].wallet ? this.parties[buyer] : this.parties.buyer);
    const payee = parties.merchant ?? this.parties.merchant;
    return {
      price,
      currency: 'CNY',
      commissionBps: 250,
      buyerWallet: payer.wallet!,
      buyerWalletSalt: payer.walletSalt!,
      merchantWallet: payee.wallet!,
      merchantWalletSalt: payee.walletSalt!,
      productId: `sku-${randomUUID()}`,
      salt: randomBytes(16).toString('hex'),
    };
  }

  /** The buyer proposes a new order; the proposal names the merchant and the courier. */
  async propose(windows: Partial<OrderWindows> = {}, buyer: Who = 'buyer'): Promise<{ orderId: string; terms: OrderTerms }> {
    return this.proposeTerms(`o-${randomUUID()}`, this.newTerms(buyer), windows, buyer);
  }

  /**
   * Proposes as `buyer` (or `parties.buyer`), naming the driver's merchant and courier at BankB, or
   * `parties.merchant` and `parties.courier` at their own banks.
   */
  async proposeTerms(
    orderId: string,
    terms: OrderTerms,
    windows: Partial<OrderWindows> = {},
    buyer: Who = 'buyer',
    parties: OrderParties = {},
  ): Promise<{ orderId: string; terms: OrderTerms }> {
    const ref = (party: Party | undefined, own: Party): { mspId: string; partyId: string | undefined } =>
      party ? { mspId: party.identity.mspId, partyId: party.partyId } : { mspId: 'BankBMSP', partyId: own.partyId };
    const proposal = {
      orderId,
      merchant: ref(parties.merchant, this.parties.merchant),
      courier: ref(parties.courier, this.parties.courier),
      windows,
    };
    await this.submitProposal(() =>
      (parties.buyer ?? this.parties[buyer]).contract.newProposal('Propose', {
        arguments: [JSON.stringify(proposal)],
        transientData: { terms: JSON.stringify(terms) },
      }),
    );
    return { orderId, terms };
  }

  async approveAll(orderId: string): Promise<void> {
    for (const who of ['platform', 'merchant', 'bankA', 'bankB'] as const) await this.submit(who, 'Approve', orderId);
  }

  /** A new order walked to DELIVERED: approved, shipped, delivery signed by the courier. */
  async delivered(windows: Partial<OrderWindows> = {}): Promise<{ orderId: string; terms: OrderTerms }> {
    const created = await this.propose(windows);
    await this.approveAll(created.orderId);
    await this.submit('merchant', 'Ship', created.orderId, '');
    await this.submit('courier', 'Deliver', created.orderId, sha256Hex());
    return created;
  }

  async disputed(windows: Partial<OrderWindows> = {}): Promise<{ orderId: string; terms: OrderTerms }> {
    const created = await this.delivered(windows);
    await this.submit('buyer', 'DeclareNonReceipt', created.orderId);
    return created;
  }

  /** What BankB's CBDC ledger would sign on settling the order (issue 4 makes the ledger itself). */
  receipt(orderId: string, terms: OrderTerms, overrides: Partial<SettlementReceipt> = {}, key: KeyObject = this.ledgerKey): SignedReceipt {
    const split = settlementSplit(terms);
    const receipt: SettlementReceipt = {
      version: 1,
      orderId,
      bankMspId: 'BankBMSP',
      currency: terms.currency,
      merchantWallet: terms.merchantWallet,
      merchantAmount: split.merchantAmount.toString(),
      commissionAmount: split.commissionAmount.toString(),
      journalPosition: 1,
      journalHash: sha256Hex(),
      issuedAt: new Date().toISOString(),
      ...overrides,
    };
    return { receipt, signature: sign(null, receiptBytes(receipt), key).toString('base64') };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The pause before a wait's next look: 50 ms at first, growing to 500 ms. Most waits end within a
 * block or two; the long ones (an order waiting out a killed bridge) would otherwise ask a peer twenty
 * times a second per order, and on two cores those reads took the CPU the peers needed to commit.
 */
export const pollPause = (attempt: number): Promise<void> => sleep(Math.min(500, 50 * 1.5 ** attempt));

/** Waits until `check` holds: ledger effects follow the chain by a moment. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; !(await check()); attempt++) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000}s: ${what}`);
    await pollPause(attempt);
  }
}

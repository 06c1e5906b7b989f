import { z, type ZodType } from 'zod';
import { ApiError } from './api-error';
import type { CbdcLedger } from '@securepay/ledger';
import type { OrderDesk } from './order-desk';
import type { MerchantStatements } from './merchant-statements';
import type { OrderListing } from './order-listing';
import { statementRoute } from './statement-route';
import { recordedActions, recovering, stepsSince } from './step-recovery';
import type { SigningRequests } from './signing-requests';
import type { Caller, UserRegistry } from './user-registry';
import { webhookRoutes } from './webhooks/webhook-routes';
import type { Webhooks } from './webhooks/webhooks';
import * as s from './schemas';

/** Who may call a route: anyone, or an authenticated caller (each handler then checks which kind). */
export type Access = 'public' | 'authenticated';

export interface RouteInput {
  caller?: Caller;
  body: unknown;
  params: Record<string, string>;
  query: unknown;
  idempotencyKey?: string;
  /** When this request came in (this process's clock, epoch ms). */
  receivedAt: number;
  /**
   * Set when this request repeats an Idempotency-Key whose earlier attempt failed on our side (5xx)
   * or was abandoned: when that key was first tried (`step-recovery.ts`).
   */
  retriedSince?: Date;
  /** The representation the caller prefers among `types` (its Accept header), as Express negotiates it. */
  accepts(types: string[]): string | false;
}

export interface Route {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: 'users' | 'wallets' | 'orders' | 'transactions' | 'webhooks' | 'merchants';
  access: Access;
  body?: ZodType;
  params?: ZodType;
  query?: ZodType;
  /** The success status; state-changing routes need an Idempotency-Key. */
  status?: number;
  /**
   * What the idempotency store keeps of a POST's answer, when not all of it may rest in the database
   * (a secret shown once): a repeat of the request gets this instead. The whole answer by default.
   */
  keptAnswer?(body: unknown): unknown;
  /** The media types a success may come as, when not JSON only (the OpenAPI document lists them). */
  produces?: string[];
  handle(input: RouteInput): Promise<unknown>;
}

export interface RouteDeps {
  users: UserRegistry;
  desk: OrderDesk;
  /** The order listing, kept in PostgreSQL from the chain's events (`order-projector.ts`). */
  listing: OrderListing;
  ledger: CbdcLedger;
  /** The platform's own fee wallet, which its operator may read. */
  platformWallet: { id: string; secret: string };
  /**
   * The ledgers of banks that fund their customers through this API, each logged in as that bank.
   * The platform's own role can never fund; without its bank's ledger here a bank funds through its
   * own systems, and this route says so.
   */
  bankLedgers?: ReadonlyMap<string, CbdcLedger>;
  /** The offline-signing flow of users who keep their own key. */
  signing: SigningRequests;
  /** Callers' webhook subscriptions and their deliveries (`webhooks/`). */
  webhooks: Webhooks;
  /** Merchants' statements: the read model's final orders, the ledger's amounts. */
  statements: MerchantStatements;
}

const caller = (input: RouteInput): Caller => input.caller!;

function userOf(input: RouteInput, what: string) {
  const c = caller(input);
  if (c.kind !== 'user') throw new ApiError(403, 'WRONG_PARTY', `only a wallet's owner may read ${what}`);
  return c.user;
}

/** A state-changing order step with an empty body, as the route table spells it. */
function step(
  path: string,
  summary: string,
  act: (deps: RouteDeps, caller: Caller, orderId: string, body: never) => Promise<unknown>,
  deps: RouteDeps,
  body: ZodType = s.noBody,
): Route {
  return {
    method: 'post',
    path: `/orders/:orderId/${path}`,
    summary,
    tag: 'orders',
    access: 'authenticated',
    params: s.orderIdParams,
    body,
    handle: (input) => {
      const orderId = input.params.orderId!;
      const run = (): Promise<unknown> => bySigner(deps, caller(input), () => act(deps, caller(input), orderId, input.body as never));
      const action = recordedActions[path];
      // A step refused as already done may be this request's own, committed by an attempt that never heard back.
      if (!action) return run();
      return recovering(run, { view: () => deps.desk.view(orderId), caller: caller(input), action, since: stepsSince(input) });
    },
  };
}

/** A step by a user who keeps its own key runs through the offline-signing flow; everyone else's runs at once. */
function bySigner(deps: RouteDeps, c: Caller, run: () => Promise<unknown>): Promise<unknown> {
  return c.kind === 'user' && c.user.custody === 'self' ? deps.signing.start(c.user.userId, run) : run();
}

/** Every route of the platform API: the Express app registers them and the OpenAPI document describes them. */
export function routes(deps: RouteDeps): Route[] {
  const { users, desk, ledger, platformWallet } = deps;
  return [
    {
      method: 'post',
      path: '/users',
      summary:
        "Register a buyer, merchant or courier at a bank (platform operator, or that bank's operator). Returns the user's API token once.",
      tag: 'users',
      access: 'authenticated',
      status: 201,
      body: s.registerUserBody,
      handle: async (input) => {
        const c = caller(input);
        const body = input.body as z.infer<typeof s.registerUserBody>;
        if (c.kind === 'user' || (c.kind === 'bank' && c.bank !== body.bank)) {
          throw new ApiError(403, 'WRONG_PARTY', "only the platform's operator or the user's bank may register a user");
        }
        return users.register(body);
      },
    },
    {
      method: 'post',
      path: '/users/me/certificate',
      summary:
        'A user who keeps its own key enrolls its certificate request (subject CN=<user id>): its bank registers it, its CA signs it. Once.',
      tag: 'users',
      access: 'authenticated',
      status: 201,
      body: s.certificateBody,
      handle: async (input) => ({
        certificatePem: await users.attachCertificate(
          userOf(input, 'a certificate'),
          (input.body as z.infer<typeof s.certificateBody>).csr,
        ),
      }),
    },
    {
      method: 'post',
      path: '/signing-requests/:requestId',
      summary:
        "The signature of a step's digest, by a user who keeps its own key: answers the next digest to sign (202) or the step's result.",
      tag: 'users',
      access: 'authenticated',
      params: s.signingRequestParams,
      body: s.signatureBody,
      handle: (input) =>
        deps.signing.provide(
          userOf(input, 'a signing request').userId,
          input.params.requestId!,
          Buffer.from((input.body as z.infer<typeof s.signatureBody>).signature, 'base64'),
        ),
    },
    {
      method: 'get',
      path: '/users/me',
      summary: 'The calling user: its role, bank, pseudonymous party id and wallet id.',
      tag: 'users',
      access: 'authenticated',
      handle: async (input) => userOf(input, 'its own profile'),
    },
    {
      method: 'get',
      path: '/wallet',
      summary:
        "The caller's CBDC balance: available and locked (escrow and deposits), in minor units. The platform's operator reads its fee wallet.",
      tag: 'wallets',
      access: 'authenticated',
      handle: async (input) => {
        if (caller(input).kind === 'platform') return ledger.balance(platformWallet.id, platformWallet.secret);
        const user = userOf(input, 'a balance');
        return ledger.balance(user.wallet, await users.walletSecret(user));
      },
    },
    {
      method: 'get',
      path: '/wallet/history',
      summary: "The calling user's journal entries, newest first.",
      tag: 'wallets',
      access: 'authenticated',
      query: s.historyQuery,
      handle: async (input) => {
        const user = userOf(input, 'a wallet history');
        const { limit } = input.query as z.infer<typeof s.historyQuery>;
        return { entries: await ledger.history(user.wallet, await users.walletSecret(user), limit ?? 50) };
      },
    },
    {
      method: 'post',
      path: '/wallets/:wallet/fund',
      summary: "Credit a customer's wallet from its bank's CBDC holdings (that bank's operator only).",
      tag: 'wallets',
      access: 'authenticated',
      params: s.walletParams,
      body: s.fundBody,
      handle: async (input) => {
        const c = caller(input);
        const owner = await users.findByWallet(input.params.wallet!);
        if (c.kind !== 'bank') throw new ApiError(403, 'WRONG_PARTY', "only a bank's operator may fund a wallet");
        if (!owner) throw new ApiError(404, 'NOT_FOUND', `no wallet ${input.params.wallet}`);
        if (owner.bank !== c.bank) throw new ApiError(403, 'WRONG_PARTY', `wallet ${owner.wallet} is held at ${owner.bank}, not ${c.bank}`);
        const { amount } = input.body as z.infer<typeof s.fundBody>;
        const bankLedger = deps.bankLedgers?.get(c.bank);
        if (!bankLedger) {
          throw new ApiError(403, 'WRONG_PARTY', `${c.bank} funds its customers with its own ledger credentials, not through the platform`);
        }
        await bankLedger.fund(`fund.${c.scope}.${input.idempotencyKey}`, `bank-${c.bank}`, owner.wallet, BigInt(amount));
        return { wallet: owner.wallet, funded: amount };
      },
    },
    {
      method: 'post',
      path: '/orders',
      summary:
        "Create an order (buyer): the platform writes the terms, the buyer's wallet locks the price, the buyer proposes it on-chain.",
      tag: 'orders',
      access: 'authenticated',
      status: 201,
      body: s.createOrderBody,
      handle: (input) =>
        bySigner(deps, caller(input), () =>
          desk.create(caller(input), input.idempotencyKey!, input.body as z.infer<typeof s.createOrderBody>),
        ),
    },
    {
      method: 'get',
      path: '/orders',
      summary:
        "Orders newest first, optionally in one state and/or of one party (mspId + partyId): ids, states, times and each one's last transaction and block. A page at a time (next → cursor); caughtUpTo says how far this listing has read the chain.",
      tag: 'orders',
      access: 'public',
      query: s.listQuery,
      handle: async (input) => {
        const query = input.query as z.infer<typeof s.listQuery>;
        return deps.listing.page({
          state: query.state,
          party: query.mspId && query.partyId ? { mspId: query.mspId, partyId: query.partyId } : undefined,
          limit: query.limit ?? 50,
          after: query.cursor,
        });
      },
    },
    {
      method: 'get',
      path: '/orders/:orderId',
      summary:
        "An order's public status: state, the four approvals, the dispute, and its timeline (who, when, transaction, block). No prices, wallets or names.",
      tag: 'orders',
      access: 'public',
      params: s.orderIdParams,
      handle: (input) => desk.view(input.params.orderId!),
    },
    step('approve', 'Approve the order (platform operator or merchant).', (d, c, id) => d.desk.approve(c, id), deps),
    step(
      'reject',
      'Reject the order with a reason (platform operator or merchant); the lock is refunded.',
      (d, c, id, b: { reason: string }) => d.desk.reject(c, id, b.reason),
      deps,
      s.rejectBody,
    ),
    step(
      'ship',
      'Mark the order shipped (merchant), assigning the courier if the order names none.',
      (d, c, id, b: { courierId?: string }) => d.desk.ship(c, id, b.courierId),
      deps,
      s.shipBody,
    ),
    step(
      'deliver',
      'Sign delivery with a proof hash (the assigned courier).',
      (d, c, id, b: { proofHash: string }) => d.desk.deliver(c, id, b.proofHash),
      deps,
      s.deliverBody,
    ),
    step(
      'confirm',
      'Confirm receipt (buyer): the bridge then pays the merchant and the platform.',
      (d, c, id) => d.desk.confirm(c, id),
      deps,
    ),
    step(
      'non-receipt',
      'Declare that the goods never arrived (buyer): opens a dispute.',
      (d, c, id) => d.desk.declareNonReceipt(c, id),
      deps,
    ),
    {
      ...step(
        'deposit',
        "Lock the caller's dispute deposit (buyer or courier): the price, from its own wallet. Its bank records it on-chain.",
        (d, c, id) => d.desk.deposit(c, id),
        deps,
      ),
      status: 202,
    },
    step(
      'resolve',
      'Resolve a dispute (platform operator), naming the winner and the evidence hash.',
      (d, c, id, b: { winner: 'buyer' | 'courier'; evidenceHash: string }) => d.desk.resolve(c, id, b.winner, b.evidenceHash),
      deps,
      s.resolveBody,
    ),
    step(
      'resolve-by-default',
      'Resolve a dispute the platform left open past its resolveBy, by the default rule (any party): a party that alone deposited wins; otherwise a signed delivery stands.',
      (d, c, id) => d.desk.afterDeadline(c, id, 'ResolveByDefault'),
      deps,
    ),
    step(
      'challenge',
      'Challenge a missing settlement (merchant), after the settlement deadline.',
      (d, c, id) => d.desk.challenge(c, id),
      deps,
    ),
    step(
      'auto-confirm',
      'Confirm for a buyer silent past the confirmation deadline (any party).',
      (d, c, id) => d.desk.afterDeadline(c, id, 'AutoConfirm'),
      deps,
    ),
    step(
      'expire',
      'Expire an order not approved or not shipped in time (any party); the lock is refunded.',
      (d, c, id) => d.desk.afterDeadline(c, id, 'Expire'),
      deps,
    ),
    step(
      'compensate',
      "Compensate the merchant from the bank's reserve when no settlement proof came in time (any party).",
      (d, c, id) => d.desk.afterDeadline(c, id, 'Compensate'),
      deps,
    ),
    {
      method: 'get',
      path: '/transactions/:txId',
      summary:
        'What a transaction did to which orders: block, validation code, submitting org, state changes. No prices, wallets or names.',
      tag: 'transactions',
      access: 'public',
      params: s.txIdParams,
      handle: (input) => desk.transaction(input.params.txId!),
    },
    ...webhookRoutes(deps.webhooks),
    statementRoute(deps),
  ];
}

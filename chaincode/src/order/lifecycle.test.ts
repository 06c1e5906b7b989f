import { generateKeyPairSync } from 'node:crypto';
import { applyAction } from './actions';
import { propose } from './propose';
import { OrderRefused } from './refusal';
import { termsHash, walletCommitment } from './terms';
import {
  act,
  actors,
  ctx,
  facts,
  ledgerKeyPem,
  orderIn,
  proposal,
  proposed,
  signedReceipt,
  t0,
  terms,
  walletSaltOf,
} from './test-fixtures';
import { defaultWindows } from './windows';

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof OrderRefused) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('proposing an order', () => {
  it('records pseudonymous parties, their banks and the terms hash, and nothing private', () => {
    const { order, change } = propose(proposal, terms, defaultWindows, ctx(actors.buyer, t0, 'tx-p'));
    expect(order).toMatchObject({
      orderId: 'order-1',
      state: 'PROPOSED',
      buyer: { mspId: 'BankAMSP', partyId: 'buyer-1' },
      termsHash: termsHash(terms),
    });
    expect(change).toEqual({
      orderId: 'order-1',
      action: 'propose',
      from: null,
      to: 'PROPOSED',
      buyerBank: 'BankAMSP',
      merchantBank: 'BankBMSP',
      courierBank: 'BankCMSP',
    });
    const publicJson = JSON.stringify(order);
    for (const secret of [terms.price, terms.buyerWallet, terms.merchantWallet, terms.productId, terms.salt])
      expect(publicJson).not.toContain(secret);
  });

  it('takes per-order windows over the channel defaults', () => {
    const { order } = propose({ ...proposal, windows: { approvalMs: 5_000 } }, terms, defaultWindows, ctx(actors.buyer, t0));
    expect(order.approveBy).toBe(t0 + 5_000);
    expect(order.windows.deliveryMs).toBe(defaultWindows.deliveryMs);
  });

  it('lets only a buyer propose, paying only from its own wallet', () => {
    expect(refusal(() => propose(proposal, terms, defaultWindows, ctx(actors.merchant, t0)))).toMatch(
      /^WRONG_PARTY: only a buyer may propose/,
    );
    expect(refusal(() => propose(proposal, terms, defaultWindows, ctx(actors.otherBuyer, t0)))).toMatch(
      /^WRONG_PARTY: .*only from its own/,
    );
  });

  it('refuses a buyer ordering from itself or naming itself or the merchant as courier', () => {
    const self = { mspId: 'BankAMSP', partyId: 'buyer-1' };
    expect(refusal(() => propose({ ...proposal, merchant: self }, terms, defaultWindows, ctx(actors.buyer, t0)))).toMatch(
      /^BAD_ARGUMENT: a buyer cannot order from itself/,
    );
    expect(refusal(() => propose({ ...proposal, courier: self }, terms, defaultWindows, ctx(actors.buyer, t0)))).toMatch(
      /^BAD_ARGUMENT: the courier/,
    );
  });
});

describe('multi-party endorsement', () => {
  it('escrows the order on the fourth approval, each recorded with decision, time and transaction', () => {
    let order = proposed();
    const order4 = ['platform', 'merchant', 'buyerBank', 'merchantBank'] as const;
    order4.forEach((who, i) => {
      const t = applyAction(order, { type: 'approve' }, ctx(actors[who], t0 + i + 1, `tx-${who}`), facts);
      expect(t.order.state).toBe(i < 3 ? 'PROPOSED' : 'ESCROWED');
      order = t.order;
    });
    expect(order.approvals.merchantBank).toEqual({ decision: 'approved', at: t0 + 4, txId: 'tx-merchantBank', by: 'BankBMSP' });
    expect(order.history.map((h) => h.to)).toEqual(['PROPOSED', 'PROPOSED', 'PROPOSED', 'PROPOSED', 'ESCROWED']);
  });

  it('lets one bank that is both the buyer’s and the merchant’s fill both bank approvals at once', () => {
    const order = proposed({ merchant: { mspId: 'BankAMSP', partyId: 'merchant-1' } });
    const { order: after } = act(order, { type: 'approve' }, actors.buyerBank, t0 + 1);
    expect(Object.keys(after.approvals).sort()).toEqual(['buyerBank', 'merchantBank']);
  });

  it('refuses a second decision by the same party', () => {
    const once = act(proposed(), { type: 'approve' }, actors.platform, t0 + 1).order;
    expect(refusal(() => act(once, { type: 'approve' }, actors.platform, t0 + 2))).toMatch(/^ALREADY_DONE/);
    expect(refusal(() => act(once, { type: 'reject', reason: 'changed my mind' }, actors.platform, t0 + 2))).toMatch(/^ALREADY_DONE/);
  });

  it('refuses a merchant approving terms that pay another wallet', () => {
    const impostorWallet = { ...actors.merchant, walletCommitment: walletCommitment('wallet-other', walletSaltOf('wallet-other')) };
    expect(refusal(() => act(proposed(), { type: 'approve' }, impostorWallet, t0 + 1))).toMatch(/^WRONG_PARTY: the terms' merchant wallet/);
    // The right wallet with a salt that does not open the certificate's commitment proves nothing either.
    const wrongSalt = { ...actors.merchant, walletCommitment: walletCommitment('wallet-m1', 'ff'.repeat(16)) };
    expect(refusal(() => act(proposed(), { type: 'approve' }, wrongSalt, t0 + 1))).toMatch(/^WRONG_PARTY: the terms' merchant wallet/);
  });

  it('rejects with a reason: any one of the four voids the order', () => {
    const { order } = act(proposed(), { type: 'reject', reason: '  out of stock ' }, actors.merchantBank, t0 + 1);
    expect(order.state).toBe('REJECTED');
    expect(order.approvals.merchantBank).toMatchObject({ decision: 'rejected', reason: 'out of stock' });
    expect(refusal(() => act(proposed(), { type: 'reject', reason: '   ' }, actors.platform, t0 + 1))).toMatch(
      /^BAD_ARGUMENT: a rejection needs a reason/,
    );
  });
});

describe('delivery', () => {
  it('assigns the courier at shipping when the buyer named none, and refuses a conflicting one', () => {
    const noCourier = proposed({ courier: undefined });
    let order = noCourier;
    for (const who of ['platform', 'merchant', 'buyerBank', 'merchantBank'] as const)
      order = act(order, { type: 'approve' }, actors[who], t0 + 1).order;
    expect(refusal(() => act(order, { type: 'ship' }, actors.merchant, t0 + 2))).toMatch(/^BAD_ARGUMENT: shipping needs a courier/);
    const shipped = act(order, { type: 'ship', courier: { mspId: 'BankCMSP', partyId: 'courier-2' } }, actors.merchant, t0 + 2).order;
    expect(shipped.courier).toEqual({ mspId: 'BankCMSP', partyId: 'courier-2' });
    const named = orderIn('ESCROWED');
    expect(
      refusal(() => act(named, { type: 'ship', courier: { mspId: 'BankCMSP', partyId: 'courier-2' } }, actors.merchant, t0 + 2)),
    ).toMatch(/already has courier/);
  });

  it('needs a SHA-256 proof hash from the courier', () => {
    expect(refusal(() => act(orderIn('SHIPPED'), { type: 'deliver', proofHash: 'not-a-hash' }, actors.courier, t0 + 3))).toMatch(
      /^BAD_ARGUMENT: proofHash/,
    );
  });

  it('auto-confirms a silent buyer and marks the confirmation automatic', () => {
    const delivered = orderIn('DELIVERED');
    const { order } = act(delivered, { type: 'autoConfirm' }, actors.otherBank, delivered.confirmBy! + 1);
    expect(order.confirmation).toMatchObject({ automatic: true });
    expect(order.state).toBe('CONFIRMED');
  });
});

describe('disputes', () => {
  const h = 'e'.repeat(64);
  it('continues to settlement when the courier wins, and refunds when the buyer wins', () => {
    const courierWins = act(orderIn('DISPUTED'), { type: 'resolveDispute', winner: 'courier', evidenceHash: h }, actors.platform, t0 + 10);
    expect(courierWins.order.state).toBe('CONFIRMED');
    expect(courierWins.change.winner).toBe('courier');
    expect(courierWins.payouts).toEqual({ courier: 15001n, buyer: 0n, platform: 5001n });
    const buyerWins = act(orderIn('DISPUTED'), { type: 'resolveDispute', winner: 'buyer', evidenceHash: h }, actors.platform, t0 + 10);
    expect(buyerWins.order.state).toBe('REFUNDED');
    expect(buyerWins.payouts).toEqual({ buyer: 15001n, courier: 0n, platform: 5001n });
  });

  it('waits for both deposits or the deposit deadline before resolving', () => {
    const open = orderIn('DISPUTED', { deposits: false });
    expect(
      refusal(() => act(open, { type: 'resolveDispute', winner: 'buyer', evidenceHash: h }, actors.platform, open.dispute!.depositBy)),
    ).toMatch(/^TOO_EARLY/);
  });

  it('makes a party that did not deposit lose by default', () => {
    const open = orderIn('DISPUTED', { deposits: false });
    const courierPaid = act(open, { type: 'recordDeposit', party: 'courier', lockRef: 'lock-c' }, actors.courierBank, t0 + 5).order;
    const late = courierPaid.dispute!.depositBy + 1;
    expect(refusal(() => act(courierPaid, { type: 'resolveDispute', winner: 'buyer', evidenceHash: h }, actors.platform, late))).toMatch(
      /^BAD_ARGUMENT: the buyer did not deposit and loses by default/,
    );
    const resolved = act(courierPaid, { type: 'resolveDispute', winner: 'courier', evidenceHash: h }, actors.platform, late);
    expect(resolved.payouts).toEqual({ courier: 10001n, buyer: 0n, platform: 0n });
  });

  it('records each deposit once, from that party’s own bank', () => {
    const open = orderIn('DISPUTED', { deposits: false });
    const once = act(open, { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-b' }, actors.buyerBank, t0 + 5).order;
    expect(refusal(() => act(once, { type: 'recordDeposit', party: 'buyer', lockRef: 'lock-b' }, actors.buyerBank, t0 + 6))).toMatch(
      /^ALREADY_DONE/,
    );
    expect(refusal(() => act(open, { type: 'recordDeposit', party: 'courier', lockRef: 'lock-c' }, actors.buyerBank, t0 + 5))).toMatch(
      /^WRONG_PARTY/,
    );
    expect(refusal(() => act(open, { type: 'recordDeposit', party: 'buyer', lockRef: 'bad ref!' }, actors.buyerBank, t0 + 5))).toMatch(
      /^BAD_ARGUMENT: lockRef/,
    );
  });
});

describe('settlement receipts', () => {
  const confirmed = orderIn('CONFIRMED');
  const settle = (receipt: ReturnType<typeof signedReceipt>, keyPem = ledgerKeyPem): string =>
    refusal(() =>
      applyAction(confirmed, { type: 'recordSettlement', receipt }, ctx(actors.merchantBank, t0 + 9), { terms, ledgerKeyPem: keyPem }),
    );

  it('settles on a receipt signed by the bank’s ledger key that pays what the terms say', () => {
    const { order } = act(confirmed, { type: 'recordSettlement', receipt: signedReceipt(confirmed) }, actors.merchantBank, t0 + 9);
    expect(order.state).toBe('SETTLED');
    expect(order.settlement).toMatchObject({ journalPosition: 7 });
    expect(order.settlement!.receiptHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts an ECDSA P-256 ledger key too', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const t = applyAction(
      confirmed,
      { type: 'recordSettlement', receipt: signedReceipt(confirmed, {}, ec.privateKey) },
      ctx(actors.merchantBank, t0 + 9),
      { terms, ledgerKeyPem: pem },
    );
    expect(t.order.state).toBe('SETTLED');
  });

  it('refuses a forged signature, and any receipt that pays other amounts, another wallet or another order', () => {
    const forger = generateKeyPairSync('ed25519');
    expect(settle(signedReceipt(confirmed, {}, forger.privateKey))).toMatch(/^INVALID_PROOF: the receipt's signature does not verify/);
    expect(settle(signedReceipt(confirmed, { merchantAmount: '10001' }))).toMatch(/^INVALID_PROOF: the receipt's merchant amount/);
    expect(settle(signedReceipt(confirmed, { commissionAmount: '0' }))).toMatch(/^INVALID_PROOF: the receipt's commission/);
    expect(settle(signedReceipt(confirmed, { merchantWallet: 'wallet-m2' }))).toMatch(/^INVALID_PROOF: the receipt pays another wallet/);
    expect(settle(signedReceipt(confirmed, { orderId: 'order-2' }))).toMatch(/^INVALID_PROOF: the receipt is for order order-2/);
    expect(settle(signedReceipt(confirmed, { currency: 'EUR' }))).toMatch(/^INVALID_PROOF: the receipt is in another currency/);
    const tampered = signedReceipt(confirmed);
    tampered.receipt.journalPosition = 8;
    expect(settle(tampered)).toMatch(/^INVALID_PROOF: the receipt's signature/);
  });

  it('refuses a receipt when the bank has registered no ledger key', () => {
    const noKey = (): unknown =>
      applyAction(confirmed, { type: 'recordSettlement', receipt: signedReceipt(confirmed) }, ctx(actors.merchantBank, t0 + 9), { terms });
    expect(refusal(noKey)).toMatch(/^INVALID_PROOF: BankBMSP has registered no ledger key/);
  });
});

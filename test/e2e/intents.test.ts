import { createHash, randomUUID } from 'node:crypto';
import {
  approveIntent,
  confirmIntent,
  deliverIntent,
  EscrowClient,
  proposeIntent,
  shipIntent,
  signIntent,
  walletCommitment,
  type Intent,
  type OrderTerms,
  type SignedIntent,
  type StepsOutcome,
} from '@securepay/client';
import { registerAndEnroll } from '@securepay/network';
import { EscrowDriver, type Party } from './escrow-driver';
import { connectionOf } from './fixtures';

/**
 * Users' signed intents carried by the platform in one transaction (SubmitIntents). The platform
 * holds its own keys only: every attack below is made with exactly what it has — its admin identity,
 * its own CA's customer registrar, and the intents users gave it. Each refused intent changes
 * nothing, as the orders read again afterwards show; the valid intents beside it still go through.
 */
describe('signed intents, batched by the platform', () => {
  let driver: EscrowDriver;
  let platform: EscrowClient;
  const channel = connectionOf('PlatformMSP').channel;

  const signer = (party: Party): { channel: string; signer: { mspId: string; partyId: string } } => ({
    channel,
    signer: { mspId: party.identity.mspId, partyId: party.partyId! },
  });
  const signedBy = (party: Party, intent: Intent): SignedIntent =>
    signIntent(intent, party.identity.privateKeyPem, party.identity.certificatePem);
  const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

  /** Submits and waits until every org's peer has the block, as the next step's endorsers need. */
  async function carry(signed: SignedIntent[], terms: Record<string, OrderTerms> = {}): Promise<StepsOutcome> {
    const outcome = await platform.submitIntents(signed, terms);
    if (outcome.committed) await driver.allPeersAt(outcome.committed.blockNumber);
    return outcome;
  }

  function proposal(party: Party, terms: OrderTerms): { intent: Intent; orderId: string } {
    const orderId = `o-${randomUUID()}`;
    const merchant = { mspId: 'BankBMSP', partyId: driver.parties.merchant.partyId! };
    const courier = { mspId: 'BankBMSP', partyId: driver.parties.courier.partyId! };
    return { intent: proposeIntent({ orderId, merchant, courier }, terms, signer(party)), orderId };
  }

  beforeAll(async () => {
    driver = await EscrowDriver.create();
    platform = new EscrowClient(driver.parties.platform.contract);
  });
  afterAll(() => driver?.close());

  it('proposes many buyers’ orders in one transaction, each verified, with its intent’s hash on the order', async () => {
    const { buyer, stranger } = driver.parties;
    const made = Array.from({ length: 20 }, (_, i) => {
      const party = i % 4 === 3 ? stranger : buyer;
      const terms = driver.newTerms(party === buyer ? 'buyer' : 'stranger');
      const { intent, orderId } = proposal(party, terms);
      return { signed: signedBy(party, intent), orderId, terms, party };
    });
    const outcome = await carry(
      made.map((m) => m.signed),
      Object.fromEntries(made.map((m) => [m.orderId, m.terms])),
    );
    expect(outcome.refused).toEqual([]);
    expect(outcome.done.map((d) => d.orderId)).toEqual(made.map((m) => m.orderId));
    for (const m of made) {
      const order = await driver.order(m.orderId);
      expect(order.state).toBe('PROPOSED');
      expect(order.buyer).toEqual({ mspId: 'BankAMSP', partyId: m.party.partyId });
      expect(order.history[0]).toMatchObject({ action: 'propose', intentHash: sha256(m.signed.intent), txId: outcome.committed!.txId });
    }

    // The same signed intents again: every nonce is spent, so the whole batch is refused and nothing is sent.
    const again = await carry(
      made.slice(0, 3).map((m) => m.signed),
      Object.fromEntries(made.map((m) => [m.orderId, m.terms])),
    );
    expect(again.committed).toBeUndefined();
    expect(again.refused.map((r) => r.code)).toEqual(['REPLAYED', 'REPLAYED', 'REPLAYED']);
  });

  it('refuses forged, replayed, expired, tampered and wrong-user intents one by one, and carries the valid ones beside them', async () => {
    const { buyer, stranger, platform: platformParty } = driver.parties;
    const [a, b, c, d] = [await driver.delivered(), await driver.delivered(), await driver.delivered(), await driver.delivered()];

    // What the platform could make itself: a certificate from its own CA with the buyer's attributes.
    const fake = await registerAndEnroll(connectionOf('PlatformMSP'), `fake-${randomUUID()}`, {
      role: 'buyer',
      partyId: buyer.partyId!,
      walletCommitment: walletCommitment(buyer.wallet!, buyer.walletSalt!),
    });
    const valid = signedBy(buyer, confirmIntent(a.orderId, signer(buyer)));
    const replay = signedBy(buyer, confirmIntent(d.orderId, signer(buyer)));
    const replayedNonce: Intent = { ...confirmIntent(b.orderId, signer(buyer)), nonce: (JSON.parse(replay.intent) as Intent).nonce };
    const tamperedTerms = driver.newTerms();
    const tampered = proposal(buyer, tamperedTerms);
    const attempts: { label: string; signed: SignedIntent; code: string }[] = [
      {
        label: 'the buyer’s certificate, signed with the platform’s key',
        signed: signIntent(confirmIntent(b.orderId, signer(buyer)), platformParty.identity.privateKeyPem, buyer.identity.certificatePem),
        code: 'BAD_SIGNATURE',
      },
      {
        label: 'a valid intent of the buyer’s, its order id changed',
        signed: { ...valid, intent: valid.intent.replace(a.orderId, b.orderId) },
        code: 'BAD_SIGNATURE',
      },
      {
        label: 'signed with a key of a certificate from the platform’s own CA, naming the buyer',
        signed: signIntent(confirmIntent(b.orderId, signer(buyer)), fake.privateKeyPem, fake.certificatePem),
        code: 'BAD_SIGNATURE',
      },
      {
        label: 'signed by the platform’s admin',
        signed: signIntent(
          confirmIntent(b.orderId, { channel, signer: { mspId: 'PlatformMSP', partyId: 'platform' } }),
          platformParty.identity.privateKeyPem,
          platformParty.identity.certificatePem,
        ),
        code: 'BAD_SIGNATURE',
      },
      {
        label: 'another buyer’s own valid intent for this buyer’s order',
        signed: signedBy(stranger, confirmIntent(b.orderId, signer(stranger))),
        code: 'WRONG_PARTY',
      },
      {
        label: 'expired',
        signed: signedBy(buyer, confirmIntent(b.orderId, { ...signer(buyer), now: Date.now() - 120_000, lifetimeMs: 60_000 })),
        code: 'INTENT_EXPIRED',
      },
      {
        label: 'for another channel',
        signed: signedBy(buyer, confirmIntent(b.orderId, { ...signer(buyer), channel: 'elsewhere' })),
        code: 'BAD_ARGUMENT',
      },
      { label: 'a spent nonce on a new intent', signed: signedBy(buyer, replayedNonce), code: 'REPLAYED' },
      { label: 'terms other than those signed', signed: signedBy(buyer, tampered.intent), code: 'TERMS_MISMATCH' },
    ];
    // The nonce that one attempt reuses is spent first, in its own batch.
    expect((await carry([replay])).done).toEqual([expect.objectContaining({ orderId: d.orderId, state: 'CONFIRMED' })]);

    const outcome = await carry([valid, ...attempts.map((x) => x.signed), signedBy(buyer, confirmIntent(c.orderId, signer(buyer)))], {
      [tampered.orderId]: { ...tamperedTerms, price: String(BigInt(tamperedTerms.price) + 1n) },
    });
    expect(outcome.done.map((x) => [x.orderId, x.state])).toEqual([
      [a.orderId, 'CONFIRMED'],
      [c.orderId, 'CONFIRMED'],
    ]);
    expect(outcome.refused.map((r) => [attempts[r.index! - 1]?.label, r.code])).toEqual(attempts.map((x) => [x.label, x.code]));

    // Read again: the attacked order is still delivered, no order was made from the tampered terms.
    expect((await driver.order(b.orderId)).state).toBe('DELIVERED');
    expect((await driver.order(b.orderId)).history.at(-1)?.action).toBe('deliver');
    await expect(driver.order(tampered.orderId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const confirmed = await driver.order(a.orderId);
    expect(confirmed.history.at(-1)).toMatchObject({ action: 'confirm', intentHash: sha256(valid.intent), by: { partyId: buyer.partyId } });

    // The refused expired intent spent nothing: signed anew and in time, the buyer's confirmation goes through.
    expect((await carry([signedBy(buyer, confirmIntent(b.orderId, signer(buyer)))])).done).toEqual([
      expect.objectContaining({ orderId: b.orderId, state: 'CONFIRMED' }),
    ]);
  });

  it('carries merchants’ approvals and shipments and couriers’ deliveries as theirs; another party’s, a forged and a replayed one change nothing', async () => {
    const { buyer, merchant, courier } = driver.parties;
    /** Proposed and approved by all but the merchant. */
    const awaitingMerchant = async (): Promise<string> => {
      const { orderId } = await driver.propose();
      for (const who of ['platform', 'bankA', 'bankB'] as const) await driver.submit(who, 'Approve', orderId);
      return orderId;
    };
    const escrowed = async (): Promise<string> => {
      const { orderId } = await driver.propose();
      await driver.approveAll(orderId);
      return orderId;
    };
    const shipped = async (): Promise<string> => {
      const orderId = await escrowed();
      await driver.submit('merchant', 'Ship', orderId, '');
      return orderId;
    };
    const [toApprove, toShip, toDeliver] = [await awaitingMerchant(), await escrowed(), await shipped()];
    const [approvedByBuyer, shippedByCourier, deliveredByMerchant, deliveredByFake] = [
      await awaitingMerchant(),
      await escrowed(),
      await shipped(),
      await shipped(),
    ];
    // What the platform could make itself: a certificate from its own CA naming the courier.
    const fake = await registerAndEnroll(connectionOf('PlatformMSP'), `fake-${randomUUID()}`, {
      role: 'courier',
      partyId: courier.partyId!,
    });
    const proof = sha256(randomUUID());
    const valid = [
      signedBy(merchant, approveIntent(toApprove, signer(merchant))),
      signedBy(merchant, shipIntent(toShip, undefined, signer(merchant))),
      signedBy(courier, deliverIntent(toDeliver, proof, signer(courier))),
    ];
    const attempts: { label: string; signed: SignedIntent; code: string }[] = [
      {
        label: 'the buyer approving as if merchant',
        signed: signedBy(buyer, approveIntent(approvedByBuyer, signer(buyer))),
        code: 'WRONG_PARTY',
      },
      {
        label: 'the courier shipping',
        signed: signedBy(courier, shipIntent(shippedByCourier, undefined, signer(courier))),
        code: 'WRONG_PARTY',
      },
      {
        label: 'the merchant signing the delivery',
        signed: signedBy(merchant, deliverIntent(deliveredByMerchant, proof, signer(merchant))),
        code: 'WRONG_PARTY',
      },
      {
        label: 'a certificate from the platform’s own CA naming the courier',
        signed: signIntent(deliverIntent(deliveredByFake, proof, signer(courier)), fake.privateKeyPem, fake.certificatePem),
        code: 'BAD_SIGNATURE',
      },
    ];
    const outcome = await carry([...valid, ...attempts.map((a) => a.signed)]);
    expect(outcome.done.map((d) => [d.orderId, d.state])).toEqual([
      [toApprove, 'ESCROWED'],
      [toShip, 'SHIPPED'],
      [toDeliver, 'DELIVERED'],
    ]);
    expect(outcome.refused.map((r) => [attempts[r.index! - valid.length]?.label, r.code])).toEqual(attempts.map((a) => [a.label, a.code]));

    // Each step is the user's, with the hash of what it signed.
    const merchantRef = { mspId: 'BankBMSP', partyId: merchant.partyId };
    const approved = await driver.order(toApprove);
    expect(approved.approvals.merchant).toMatchObject({ decision: 'approved', txId: outcome.committed!.txId });
    expect(approved.history.at(-1)).toMatchObject({ action: 'approve', by: merchantRef, intentHash: sha256(valid[0]!.intent) });
    expect((await driver.order(toShip)).history.at(-1)).toMatchObject({
      action: 'ship',
      by: merchantRef,
      intentHash: sha256(valid[1]!.intent),
    });
    const delivered = await driver.order(toDeliver);
    expect(delivered.delivery).toMatchObject({ proofHash: proof, txId: outcome.committed!.txId });
    expect(delivered.history.at(-1)).toMatchObject({
      action: 'deliver',
      by: { mspId: 'BankBMSP', partyId: courier.partyId },
      intentHash: sha256(valid[2]!.intent),
    });

    // Read again: every attacked order is where it was, with no step of the attacker's.
    const buyerApproved = await driver.order(approvedByBuyer);
    expect([buyerApproved.state, buyerApproved.approvals.merchant]).toEqual(['PROPOSED', undefined]);
    expect((await driver.order(shippedByCourier)).state).toBe('ESCROWED');
    for (const orderId of [deliveredByMerchant, deliveredByFake]) {
      const order = await driver.order(orderId);
      expect([order.state, order.delivery, order.history.at(-1)?.action]).toEqual(['SHIPPED', undefined, 'ship']);
    }

    // The same signed shipment again: its nonce is spent, and that is checked before the order's state.
    const replay = await carry([valid[1]!]);
    expect(replay.refused.map((r) => r.code)).toEqual(['REPLAYED']);
    expect(replay.committed).toBeUndefined();
  });
});

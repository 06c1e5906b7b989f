import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { agentQueueName, agentQueuePrefix, orderKey } from '@securepay/escrow-agent';
import { LedgerError, loginClient, redisOptions, type CbdcLedger, type ChainDecision, type DatabaseLogin } from '@securepay/ledger';
import { connectGateway, findParty, networkParties, orgAdmin, partyCredentials, readConnection } from '@securepay/network';
import { peerSigningIdentity, submitForgery } from '../attacks/forged-transaction';
import { sha256Hex, sleep } from './escrow-driver';
import { MoneyWorld, platformWallet } from './money';

/** What one attempt did: refused with this code (or error text), or — which must never happen — moved money. */
type Outcome = string;
const matrix: { who: string; attempt: string; outcome: Outcome }[] = [];

async function outcomeOf(action: () => Promise<unknown>): Promise<Outcome> {
  try {
    await action();
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    const { code, message } = error as { code?: string; message?: string };
    return code === '42501' ? 'FORBIDDEN' : (message ?? String(error)).split('\n')[0]!.slice(0, 60);
  }
}

/**
 * No insider — the platform, a bank, the central bank's own operators outside the escrow agent, or a
 * local process with no credentials — can move escrowed money, with every credential it holds: its
 * ledger login, its queue login, its Fabric identities, its org's peer keys (to forge transactions
 * with a colluding org). Every attempt is refused and every balance and lock, read again afterwards,
 * is exactly as before.
 */
describe('insiders cannot move escrowed money', () => {
  let world: MoneyWorld;
  let victim: { orderId: string; price: bigint };
  let snapshot: () => Promise<Record<string, string>>;
  let before: Record<string, string>;

  beforeAll(async () => {
    world = await MoneyWorld.create();
    const escrowed = await world.escrowed();
    victim = { orderId: escrowed.orderId, price: BigInt(escrowed.terms.price) };
    snapshot = async () => {
      const wallets = Object.fromEntries(
        await Promise.all(
          (['buyer', 'merchant', 'courier', 'stranger'] as const).map(async (who) => [
            who,
            String(await world.available(world.wallet(who))),
          ]),
        ),
      );
      return {
        ...wallets,
        platform: String(await world.available(platformWallet)),
        'reserve-BankAMSP': String(await world.ledger.balanceOf('reserve-BankAMSP')),
        'reserve-BankBMSP': String(await world.ledger.balanceOf('reserve-BankBMSP')),
        'bank-BankAMSP': String(await world.ledger.balanceOf('bank-BankAMSP')),
        'bank-BankBMSP': String(await world.ledger.balanceOf('bank-BankBMSP')),
        victimEscrow: (await world.ledger.escrowOf(victim.orderId)).status,
        invariant: String((await world.ledger.checkInvariant()).ok),
      };
    };
    before = await snapshot();
  });
  afterAll(async () => {
    process.stdout.write(
      `\ninsider matrix (${matrix.length} attempts):\n${matrix.map((m) => `  ${m.who.padEnd(28)} ${m.attempt.padEnd(58)} ${m.outcome}`).join('\n')}\n`,
    );
    await world?.close();
  });

  const record = async (who: string, attempt: string, action: () => Promise<unknown>): Promise<Outcome> => {
    const outcome = await outcomeOf(action);
    matrix.push({ who, attempt, outcome });
    return outcome;
  };
  const decision = (state: string, txId = sha256Hex()): ChainDecision => ({
    txId,
    blockNumber: '1',
    orderId: victim.orderId,
    action: 'confirm',
    state,
  });

  it('refuses every ledger function that moves escrowed money to every party but the escrow agent, whatever decision it sends', async () => {
    const parties = networkParties(world.layout.network).filter((p) => p.kind !== 'escrowAgent');
    expect(parties.map((p) => p.kind).sort()).toEqual(['bank', 'bank', 'centralBank', 'platform']);
    for (const party of parties) {
      const { id } = party;
      const ledger = world.db.as(party);
      const attempts: [string, (l: CbdcLedger) => Promise<unknown>][] = [
        ['post the escrow (made-up CONFIRMED)', (l) => l.postEscrow(`x.${id}`, victim.orderId, decision('CONFIRMED'))],
        ['void the escrow (made-up REJECTED)', (l) => l.voidEscrow(`x.${id}`, victim.orderId, decision('REJECTED'))],
        [
          'settle deposits (made-up resolution)',
          (l) => l.settleDeposits(`x.${id}`, victim.orderId, decision('REFUNDED'), 'buyer', ['buyer']),
        ],
        [
          'compensate (made-up COMPENSATED)',
          (l) => l.compensate(`x.${id}`, victim.orderId, decision('COMPENSATED'), { merchantBank: 'BankBMSP', bps: 10_000 }),
        ],
        ['void it as an orphan', (l) => l.voidOrphanedEscrow(`x.${id}`, victim.orderId, 1n)],
        [
          'record a made-up chain state',
          (l) =>
            l.recordChainOrder({
              orderId: victim.orderId,
              state: 'DISPUTED',
              buyerBank: 'BankAMSP',
              merchantBank: 'BankBMSP',
              depositBy: Date.now() + 60_000,
              blockNumber: 999_999n,
              txId: sha256Hex(),
            }),
        ],
        [
          'post the escrow in a batch (made-up CONFIRMED)',
          (l) => l.postEscrows([{ key: `x.batch.${id}`, orderId: victim.orderId, decision: decision('CONFIRMED') }]),
        ],
        [
          'record a made-up chain state in a batch',
          (l) =>
            l.recordChainOrders([
              {
                orderId: victim.orderId,
                state: 'CONFIRMED',
                buyerBank: 'BankAMSP',
                merchantBank: 'BankBMSP',
                blockNumber: 999_999n,
                txId: sha256Hex(),
              },
            ]),
        ],
        [
          'record a made-up settlement receipt',
          (l) => l.recordReceipts(new Map([[victim.orderId, { receipt: { orderId: victim.orderId }, signature: 'Zm9yZ2Vk' }]])),
        ],
        ['mint', (l) => l.mint(`x.${id}`, 'bank-BankAMSP', 10n ** 9n)],
      ];
      for (const [attempt, call] of attempts) {
        if (party.kind === 'centralBank' && attempt === 'mint') continue; // minting is the central bank's by design
        expect(`${id}: ${attempt}: ${await record(id, attempt, () => call(ledger))}`).toMatch(/: (FORBIDDEN|UNAUTHORISED)$/);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a bank opening a wallet at another bank, funding from another bank’s account, and touching another bank’s checkpoint', async () => {
    const bankA = world.db.as(findParty(world.layout.network, { kind: 'bank', mspId: 'BankAMSP' }));
    const stolen = `w-stolen-${randomBytes(4).toString('hex')}`;
    const out1 = await record('bank-BankAMSP', 'open a wallet "at BankB"', () =>
      bankA.openAccount(`x.open.${stolen}`, { id: stolen, kind: 'user', bank: 'BankBMSP', ownerSecret: randomBytes(16).toString('hex') }),
    );
    const out2 = await record('bank-BankAMSP', "fund its customer from BankB's account", () =>
      bankA.fund(`x.fund.${stolen}`, 'bank-BankBMSP', world.wallet('buyer'), 10n ** 6n),
    );
    const out3 = await record('bank-BankAMSP', "fund BankB's customer from its own account", () =>
      bankA.fund(`x.fund2.${stolen}`, 'bank-BankAMSP', world.wallet('merchant'), 10n ** 6n),
    );
    expect([out1, out2, out3].every((o) => o === 'UNAUTHORISED' || o === 'BAD_ARGUMENT')).toBe(true);
    const client = loginClient(world.db.login(findParty(world.layout.network, { kind: 'bank', mspId: 'BankAMSP' })));
    await client.connect();
    try {
      const moved = await record('bank-BankAMSP', "move BankB's checkpoint (direct SQL)", async () => {
        const result = await client.query("update bridge.checkpoints set block_number = 0 where follower = 'BankBMSP'");
        if (result.rowCount !== 0) throw new Error('MOVED');
        throw new Error('0 rows: row-level security hides them');
      });
      expect(moved).toMatch(/0 rows/);
      expect(
        await record('bank-BankAMSP', 'write a checkpoint as BankB (direct SQL)', () =>
          client.query("insert into bridge.checkpoints (follower, block_number, tx_id) values ('BankBMSP-x', 0, 'x')"),
        ),
      ).toBe('FORBIDDEN');
      expect(
        await record('bank-BankAMSP', 'write the ledger tables (direct SQL)', () =>
          client.query("update ledger.accounts set balance = balance + 1 where id = 'bank-BankAMSP'"),
        ),
      ).toBe('FORBIDDEN');
    } finally {
      await client.end();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a local process with no password, or a wrong one, at the ledger', async () => {
    const login: DatabaseLogin = world.db.login(findParty(world.layout.network, { kind: 'escrowAgent' }));
    for (const [attempt, password] of [
      ['log in as the escrow agent with no password', ''],
      ['log in as the escrow agent with a wrong password', randomBytes(16).toString('hex')],
    ] as const) {
      const outcome = await record('a local process', attempt, async () => {
        const client = new pg.Client({ host: login.host, port: login.port, database: login.database, user: login.user, password });
        client.on('error', () => undefined);
        try {
          await client.connect();
        } finally {
          await client.end().catch(() => undefined);
        }
      });
      expect(outcome).not.toBe('ACCEPTED');
    }
  });

  it("refuses a job written into the escrow agent's queue with another party's Redis login", async () => {
    const bank = partyCredentials(world.layout, findParty(world.layout.network, { kind: 'bank', mspId: 'BankAMSP' }), {});
    const agent = partyCredentials(world.layout, findParty(world.layout.network, { kind: 'escrowAgent' }), {});
    const connection = new IORedis({ ...redisOptions(bank.queues), maxRetriesPerRequest: null });
    const queue = new Queue(agentQueueName, { connection, prefix: agentQueuePrefix(agent.queues, world.queueNamespace) });
    try {
      const outcome = await record('bank-BankAMSP (Redis)', "add a job to the escrow agent's queue", () =>
        queue.add('forged', { txId: sha256Hex(), orderIds: [victim.orderId] }),
      );
      expect(outcome).toMatch(/NOPERM|permission/i);
    } finally {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    }
  });

  it("proves nothing from jobs forged with the agent's own Redis login: a made-up transaction, another order's, an invalid one", async () => {
    const agent = partyCredentials(world.layout, findParty(world.layout.network, { kind: 'escrowAgent' }), {});
    const connection = new IORedis({ ...redisOptions(agent.queues), maxRetriesPerRequest: null });
    const queue = new Queue(agentQueueName, { connection, prefix: agentQueuePrefix(agent.queues, world.queueNamespace) });
    // A real transaction that wrote another order: the stranger's order, escrowed.
    const other = await world.escrowed();
    const otherTx = (await world.driver.order(other.orderId)).history.at(-1)!.txId;
    // An invalid transaction on the victim: BankA and the platform overwrite it as CONFIRMED without BankB.
    const victimOrder = await world.driver.order(victim.orderId);
    const invalid = await forgeBy(['PlatformMSP', 'BankAMSP'], victim.orderId, { ...victimOrder, state: 'CONFIRMED' }, false);
    expect(invalid.code).toBe(10); // ENDORSEMENT_POLICY_FAILURE: the order's own policy holds
    try {
      for (const [attempt, txId] of [
        ['a made-up transaction id', sha256Hex()],
        ["another order's transaction", otherTx],
        ['an invalidated transaction that "confirmed" it', invalid.txId],
      ] as const) {
        await queue.add('forged', { txId, orderIds: [victim.orderId] }, { jobId: `forged-${txId}` });
        const code = await refusalRecorded(txId);
        matrix.push({ who: 'escrow agent login (stolen)', attempt: `queue ${attempt}`, outcome: code });
        expect(code).toMatch(/^NOT_(FOUND|WRITTEN|VALID)$/);
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
    // Only what the honest second order itself locked (the buyer's price) differs.
    expect(await snapshot()).toEqual({ ...before, buyer: String(BigInt(before.buyer!) - BigInt(other.terms.price)) });
  });

  it('moves nothing for an order two members wrote straight into CONFIRMED, though the chain took it as VALID', async () => {
    // The platform (custodian of the buyer's key) locks the buyer's money for an order that it and the
    // buyer's bank then write directly as CONFIRMED, paying the merchant, leaving out the merchant's bank.
    const { orderId } = await world.lockedOnly();
    const template = await world.driver.order(victim.orderId);
    const confirmed = { ...template, orderId, state: 'CONFIRMED' as const };
    const result = await forgeBy(['PlatformMSP', 'BankAMSP'], orderId, confirmed, true);
    expect(result.code).toBe(0); // VALID: a new key needs only the chaincode's 2 of 3
    const code = await refusalRecorded(result.txId);
    matrix.push({ who: 'PlatformMSP + BankAMSP (peers)', attempt: 'write a new order straight into CONFIRMED', outcome: code });
    expect(code).toBe('NOT_ENDORSED');
    expect((await world.ledger.escrowOf(orderId)).status).toBe('locked');
    expect(await world.available(world.wallet('merchant'))).toBe(BigInt(before.merchant!));
  });

  /** Builds a transaction the given orgs' peers endorse (their own keys), submitted by BankA's admin. */
  async function forgeBy(mspIds: string[], orderId: string, order: object, withEvent: boolean) {
    const bankA = readConnection(world.layout, 'BankAMSP');
    const changes = [{ orderId, action: 'confirm', from: 'DELIVERED', to: 'CONFIRMED', buyerBank: 'BankAMSP', merchantBank: 'BankBMSP' }];
    const connection = connectGateway(bankA, orgAdmin(bankA));
    try {
      return await submitForgery(connection.gateway, {
        channel: bankA.channel,
        chaincode: bankA.chaincode,
        creator: orgAdmin(bankA),
        endorsers: mspIds.map((mspId) => peerSigningIdentity(world.layout, mspId)),
        writes: [{ key: orderKey(orderId), value: Buffer.from(JSON.stringify(order)) }],
        ...(withEvent
          ? { event: { name: 'OrdersChanged', payload: (txId: string) => Buffer.from(JSON.stringify({ version: 1, txId, changes })) } }
          : {}),
      });
    } finally {
      connection.close();
    }
  }

  /** Waits for the escrow agent to record its refusal of a transaction; returns the refusal's code. */
  async function refusalRecorded(txId: string): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const refused = (await world.ledger.refusedDecisions()).find((r) => r.txId === txId);
      if (refused) return refused.code;
      await sleep(100);
    }
    throw new Error(`the escrow agent recorded no refusal of ${txId}`);
  }
});

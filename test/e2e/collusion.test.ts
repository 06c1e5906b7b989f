import { peer } from '@hyperledger/fabric-protos';
import { generateKeyPairSync } from 'node:crypto';
import { ContractRefusal, peerWords, refusalOf } from '@securepay/client';
import { orderKey } from '@securepay/escrow-agent';
import { connectGateway, orgAdmin, type GatewayConnection } from '@securepay/network';
import { datedProposal } from '../attacks/dated-proposal';
import { peerSigningIdentity, submitForgery, type Forgery } from '../attacks/forged-transaction';
import { EscrowDriver, refusal } from './escrow-driver';
import { connectionOf, networkLayout } from './fixtures';

const endorsingOrgs = ['PlatformMSP', 'BankAMSP', 'BankBMSP'];
const everyOrg = [...endorsingOrgs, 'CentralBankMSP'];
const hour = 3_600_000;
const validationCodes = new Map(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));

/**
 * What members of the channel can do together against the chain's own rules, walked through on the
 * real network with their own keys: forged timestamps, and transactions endorsed by hand by two orgs'
 * peers (modified chaincode, or none, signing whatever write set suits them). Each is refused and the
 * state, read again afterwards, is what it was.
 */
describe('the chain holds its rules against colluding members', () => {
  let driver: EscrowDriver;
  const admins = new Map<string, GatewayConnection>();
  const admin = (mspId: string): GatewayConnection => {
    if (!admins.has(mspId)) admins.set(mspId, connectGateway(connectionOf(mspId), orgAdmin(connectionOf(mspId))));
    return admins.get(mspId)!;
  };
  const channel = (): string => connectionOf('PlatformMSP').channel;
  const chaincode = (): string => connectionOf('PlatformMSP').chaincode;

  beforeAll(async () => {
    driver = await EscrowDriver.create();
  });
  afterAll(() => {
    driver?.close();
    admins.forEach((c) => c.close());
  });

  describe('time: each endorser checks a proposal’s date against its own clock', () => {
    const minute = 60_000;

    /** BankA's admin asks one org's peer, alone, to endorse a step dated `offsetMs` from now. */
    async function endorseDated(orgs: string[], name: string, orderId: string, datedAtMs: number): Promise<unknown> {
      const bankA = admin('BankAMSP');
      const contract = bankA.gateway.getNetwork(channel()).getContract(chaincode(), 'escrow');
      const proposal = await datedProposal(bankA.gateway, contract, orgAdmin(connectionOf('BankAMSP')), name, {
        arguments: [orderId],
        endorsingOrganizations: orgs,
        datedAtMs,
      });
      return proposal.endorse().then(
        () => 'endorsed',
        (error: unknown) => error,
      );
    }

    it.each(endorsingOrgs)('%s’s peer refuses proposals dated away from its clock, and endorses them within 30 s', async (mspId) => {
      const { orderId } = await driver.propose();
      // An hour out: Fabric's own filter refuses it before any chaincode runs (peer.authentication.timewindow, 15 min).
      for (const offset of [hour, -hour])
        expect(peerWords(await endorseDated([mspId], 'Approve', orderId, Date.now() + offset))).toMatch(/incorrect timestamp/);
      // Inside Fabric's 15 minutes, only the contract's bound stops it.
      for (const offset of [10 * minute, -10 * minute, 31_000, -31_000]) {
        const outcome = refusalOf(await endorseDated([mspId], 'Approve', orderId, Date.now() + offset));
        expect(outcome?.code).toBe('CLOCK_SKEW');
      }
      for (const offset of [0, 10_000, -10_000])
        expect(await endorseDated([mspId], 'Approve', orderId, Date.now() + offset)).toBe('endorsed');
      // Endorsed, never submitted: the order has not moved.
      expect((await driver.order(orderId)).state).toBe('PROPOSED');
    });

    it('a bank cannot date AutoConfirm past the buyer’s window to cut it short', async () => {
      const { orderId } = await driver.delivered({ confirmationMs: 5 * minute });
      const { confirmBy } = await driver.order(orderId);
      for (const orgs of [endorsingOrgs, ['PlatformMSP', 'BankAMSP'], ['BankBMSP']]) {
        expect(refusalOf(await endorseDated(orgs, 'AutoConfirm', orderId, confirmBy! + 1_000))?.code).toBe('CLOCK_SKEW');
      }
      // Dated honestly, the buyer's window is still open.
      expect(refusalOf(await endorseDated(endorsingOrgs, 'AutoConfirm', orderId, Date.now()))?.code).toBe('TOO_EARLY');
      expect((await driver.order(orderId)).state).toBe('DELIVERED');
    });
  });

  describe('deadlines bind the platform too', () => {
    it('a dispute the platform leaves open past resolveBy is resolved by anyone, by the default rule; the platform is then too late', async () => {
      const { orderId } = await driver.disputed({ depositMs: 1_000, resolutionMs: 2_000 });
      const { dispute } = await driver.order(orderId);
      expect(dispute!.resolveBy).toBe(dispute!.depositBy + 2_000);
      // Before resolveBy nobody but the platform may resolve.
      expect(await refusal(driver.submit('stranger', 'ResolveByDefault', orderId))).toMatch(/TOO_EARLY/);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, dispute!.resolveBy - Date.now()) + 1_500));
      expect(await refusal(driver.submit('platform', 'ResolveDispute', orderId, 'buyer', 'e'.repeat(64)))).toMatch(/DEADLINE_PASSED/);
      await driver.submit('stranger', 'ResolveByDefault', orderId);
      const resolved = await driver.order(orderId);
      // No deposits, and the courier signed delivery: the delivery stands.
      expect(resolved.state).toBe('CONFIRMED');
      expect(resolved.dispute!.resolution).toMatchObject({ winner: 'courier', byDefault: true });
    });
  });

  describe('writes endorsed by hand by two members', () => {
    /** Submits a forgery as BankA's admin, endorsed by `endorsers`' peers; returns how every peer judged it. */
    async function forge(endorsers: string[], forgery: Pick<Forgery, 'writes' | 'privateWrites'>): Promise<string[]> {
      const bankA = admin('BankAMSP');
      const { txId } = await submitForgery(bankA.gateway, {
        channel: channel(),
        chaincode: chaincode(),
        creator: orgAdmin(connectionOf('BankAMSP')),
        endorsers: endorsers.map((mspId) => peerSigningIdentity(networkLayout(), mspId)),
        ...forgery,
      });
      return Promise.all(everyOrg.map((mspId) => validationOn(mspId, txId)));
    }

    /** The validation code `mspId`'s own peer recorded for a transaction, once it has the block. */
    async function validationOn(mspId: string, txId: string): Promise<string> {
      const qscc = admin(mspId).gateway.getNetwork(channel()).getContract('qscc');
      for (let attempt = 0; ; attempt++) {
        try {
          const bytes = await qscc.evaluate('GetTransactionByID', { arguments: [channel(), txId], endorsingOrganizations: [mspId] });
          return validationCodes.get(peer.ProcessedTransaction.deserializeBinary(bytes).getValidationcode()) ?? 'UNKNOWN';
        } catch (error) {
          if (attempt >= 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }

    it('the two banks cannot create an order straight in CONFIRMED without the platform', async () => {
      const { orderId: model } = await driver.delivered();
      const orderId = `forged-${model.slice(2, 20)}`;
      const confirmed = { ...(await driver.order(model)), orderId, state: 'CONFIRMED' };
      const codes = await forge(['BankAMSP', 'BankBMSP'], {
        writes: [{ key: orderKey(orderId), value: Buffer.from(JSON.stringify(confirmed)) }],
      });
      expect(codes).toEqual(everyOrg.map(() => 'ENDORSEMENT_POLICY_FAILURE'));
      const readAgain = await driver.order(orderId).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(readAgain).toBeInstanceOf(ContractRefusal);
      expect((readAgain as ContractRefusal).code).toBe('NOT_FOUND');
    });

    it('the platform and BankA cannot rewrite the terms of an order BankB is party to', async () => {
      const { orderId, terms } = await driver.propose();
      const rewritten = { ...terms, merchantWallet: driver.parties.stranger.wallet!, price: '1' };
      const codes = await forge(['PlatformMSP', 'BankAMSP'], {
        writes: [],
        privateWrites: [
          { collection: 'orderTerms', key: `\u0000terms\u0000${orderId}\u0000`, value: Buffer.from(JSON.stringify(rewritten)) },
        ],
      });
      expect(codes).toEqual(everyOrg.map(() => 'ENDORSEMENT_POLICY_FAILURE'));
      for (const who of ['platform', 'bankA', 'bankB'] as const) {
        expect(JSON.parse(await driver.evaluate(who, 'GetOrderTerms', orderId))).toEqual(terms);
      }
    });

    it('the platform and BankA cannot replace BankB’s ledger key', async () => {
      const registered = await driver.evaluate('platform', 'GetLedgerKey', 'BankBMSP');
      const { publicKey } = generateKeyPairSync('ed25519');
      const theirs = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const codes = await forge(['PlatformMSP', 'BankAMSP'], {
        writes: [{ key: '\u0000ledgerKey\u0000BankBMSP\u0000', value: Buffer.from(theirs) }],
      });
      expect(codes).toEqual(everyOrg.map(() => 'ENDORSEMENT_POLICY_FAILURE'));
      for (const who of ['platform', 'bankA', 'bankB'] as const)
        expect(await driver.evaluate(who, 'GetLedgerKey', 'BankBMSP')).toBe(registered);
    });

    it('nor can they move another bank’s order, on-chain: its key needs all three of its orgs', async () => {
      const { orderId } = await driver.delivered();
      const before = await driver.order(orderId);
      const codes = await forge(['PlatformMSP', 'BankAMSP'], {
        writes: [{ key: orderKey(orderId), value: Buffer.from(JSON.stringify({ ...before, state: 'CONFIRMED' })) }],
      });
      expect(codes).toEqual(everyOrg.map(() => 'ENDORSEMENT_POLICY_FAILURE'));
      expect((await driver.order(orderId)).state).toBe('DELIVERED');
    });
  });
});

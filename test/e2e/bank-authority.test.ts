import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startCustomerOnboarding, type RunningOnboarding } from '@securepay/bridge';
import { ContractRefusal, customerRegisteredSchema, EscrowClient } from '@securepay/client';
import {
  connectGateway,
  enroll,
  readConnection,
  readEndpoints,
  registerCustomer,
  type GatewayConnection,
  type OrgConnection,
  type SigningIdentity,
} from '@securepay/network';
import { EscrowDriver, sha256Hex } from './escrow-driver';
import { networkLayout } from './fixtures';

const log = pino({ level: 'silent' });
const newUserId = (): string => `u-${randomUUID()}`;

/**
 * Who may act as a bank. The platform holds its own org's connection (its admin key, its own CA's
 * customer registrar), every other org's public endpoints, and its token at each bank's customer
 * onboarding — nothing of BankB's. With exactly that, it tries to become BankB: to get a BankB
 * operator or admin certificate, and to approve, record a deposit or register a ledger key as BankB.
 * Each is refused, and the state read again afterwards is what it was.
 */
describe('no one but a bank acts as that bank', () => {
  const layout = networkLayout();
  let driver: EscrowDriver;
  let onboarding: RunningOnboarding;
  const platformToken = randomBytes(24).toString('hex');
  /** What the platform holds. */
  let platform: OrgConnection;
  const bankB = () => readEndpoints(layout, 'BankBMSP');
  const connections: GatewayConnection[] = [];

  beforeAll(async () => {
    driver = await EscrowDriver.create();
    platform = readConnection(layout, 'PlatformMSP');
    // BankB's own onboarding, with BankB's own connection: run by BankB, reached by the platform with its token.
    onboarding = await startCustomerOnboarding({ connection: readConnection(layout, 'BankBMSP'), platformToken, log });
  });
  afterAll(async () => {
    connections.forEach((c) => c.close());
    await onboarding?.close();
    driver?.close();
  });

  const ask = (body: unknown, token = platformToken): Promise<Response> =>
    fetch(`${onboarding.url}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  /** The escrow contract through BankB's peer as `identity`. */
  const asBankB = (identity: SigningIdentity): EscrowClient => {
    const connection = connectGateway(bankB(), identity);
    connections.push(connection);
    return new EscrowClient(connection.gateway.getNetwork(bankB().channel).getContract(bankB().chaincode, 'escrow'));
  };

  const refusalCode = (action: Promise<unknown>): Promise<string> =>
    action.then(
      () => 'done',
      (error: unknown) => (error instanceof ContractRefusal ? error.code : `not a refusal: ${String(error)}`),
    );

  /** Tries each bank duty on a live order with `identity`; then reads the order and BankB's ledger key again. */
  async function triesBankDuties(identity: SigningIdentity): Promise<void> {
    const { orderId } = await driver.propose();
    const disputed = await driver.disputed();
    const keyBefore = await driver.evaluate('platform', 'GetLedgerKey', 'BankBMSP');
    const escrow = asBankB(identity);
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(await refusalCode(escrow.approve(orderId))).toBe('WRONG_PARTY');
    expect(await refusalCode(escrow.recordDeposit(disputed.orderId, 'courier', sha256Hex()))).toBe('WRONG_PARTY');
    expect(await refusalCode(escrow.registerLedgerKey(publicKey.export({ type: 'spki', format: 'pem' }).toString()))).toBe('WRONG_PARTY');
    const order = await driver.order(orderId);
    expect(order.state).toBe('PROPOSED');
    expect(Object.values(order.approvals).filter(Boolean)).toEqual([]);
    expect((await driver.order(disputed.orderId)).dispute?.deposits ?? {}).toEqual({});
    expect(await driver.evaluate('platform', 'GetLedgerKey', 'BankBMSP')).toBe(keyBefore);
  }

  it('the platform’s own registrar is nobody at BankB’s CA', async () => {
    const impostor: OrgConnection = {
      ...platform,
      mspId: 'BankBMSP',
      ca: { ...bankB().ca, registrarId: platform.ca.registrarId, registrarSecret: platform.ca.registrarSecret },
    };
    await expect(
      registerCustomer(impostor, newUserId(), { role: 'buyer', partyId: 'p1', walletCommitment: 'ab'.repeat(32) }),
    ).rejects.toThrow(/Authentication failure|authentication/i);
  });

  it('BankB’s onboarding registers customers only: no operator role, no admin, no stranger', async () => {
    const customer = {
      enrollmentId: newUserId(),
      role: 'buyer',
      partyId: `p${randomBytes(8).toString('hex')}`,
      walletCommitment: randomBytes(32).toString('hex'),
    };
    expect((await ask({ ...customer, role: 'bank' })).status).toBe(400);
    expect((await ask({ ...customer, role: 'platform' })).status).toBe(400);
    expect((await ask({ ...customer, type: 'admin' })).status).toBe(400);
    expect((await ask({ ...customer, attrs: [{ name: 'hf.Registrar.Roles', value: '*' }] })).status).toBe(400);
    expect((await ask(customer, randomBytes(24).toString('hex'))).status).toBe(401);
    expect((await ask(customer)).status).toBe(201);
  });

  it('a customer certificate from BankB’s onboarding is no BankB operator', async () => {
    const enrollmentId = newUserId();
    const response = await ask({
      enrollmentId,
      role: 'courier',
      partyId: `p${randomBytes(8).toString('hex')}`,
      walletCommitment: randomBytes(32).toString('hex'),
    });
    const { enrollmentSecret } = customerRegisteredSchema.parse(await response.json());
    const customer = await enroll(bankB(), enrollmentId, enrollmentSecret);
    expect(customer.mspId).toBe('BankBMSP');
    await triesBankDuties(customer);
  });

  it('even BankB’s own customer registrar cannot issue an admin, a peer, or anything with registrar rights', async () => {
    const bankBConnection = readConnection(layout, 'BankBMSP');
    const ca = new FabricCAServices(
      bankBConnection.ca.url,
      { trustedRoots: [readFileSync(bankBConnection.ca.tlsCertPath, 'utf8')], verify: true },
      bankBConnection.ca.caName,
    );
    const enrollment = await ca.enroll({
      enrollmentID: bankBConnection.ca.registrarId,
      enrollmentSecret: bankBConnection.ca.registrarSecret,
    });
    const registrar = new User(bankBConnection.ca.registrarId);
    await registrar.setEnrollment(enrollment.key, enrollment.certificate, 'BankBMSP');
    for (const role of ['admin', 'peer', 'orderer']) {
      await expect(ca.register({ enrollmentID: newUserId(), role, affiliation: '', maxEnrollments: 1 }, registrar)).rejects.toThrow(
        /not authorized|authorization/i,
      );
    }
    await expect(
      ca.register(
        { enrollmentID: newUserId(), role: 'client', affiliation: '', attrs: [{ name: 'hf.Registrar.Roles', value: 'client' }] },
        registrar,
      ),
    ).rejects.toThrow(/not authorized|authorization/i);
  });

  it('a certificate that says role=bank grants nothing, whoever wrote the attribute', async () => {
    // BankB's customer registrar may write the `role` attribute, and so may write "bank" into it.
    const bankBConnection = readConnection(layout, 'BankBMSP');
    const enrollmentId = newUserId();
    const secret = await registerCustomer(bankBConnection, enrollmentId, {
      role: 'bank' as 'buyer',
      partyId: 'p-insider',
      walletCommitment: 'cd'.repeat(32),
    });
    await triesBankDuties(await enroll(bankB(), enrollmentId, secret));
  });
});

import { generateKeyPairSync } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { CommitStatusError, connect, EndorseError, hash, signers, type ErrorDetail, type GatewayError } from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import { ContractRefusal } from '@securepay/client';
import { createTestDatabase, freePort, loginPool, startScratchCluster } from '@securepay/ledger';
import { testParties } from '@securepay/ledger/src/test-parties';
import { Redis } from 'ioredis';
import pg from 'pg';
import { answeringFaults } from './database-faults';
import { classifyFault, type Dependencies, type FabricFacts } from './fault-classifier';
import { attributedTo, gatewayPeerOf } from './peer-attribution';
import { ServiceUnavailable } from './service-unavailable';

/** Real clients pointed at a port nobody listens on, and the gateway's own error classes as the gateway throws them. */
let closedPort: number;
const closed = (): string => `127.0.0.1:${closedPort}`;
beforeAll(async () => {
  closedPort = await freePort(41_000);
});

const facts = (unreachable: string[] = []): FabricFacts => ({
  gatewayPeerOf,
  reachable: (mspId) => !unreachable.includes(mspId),
  unreachable: () => unreachable,
});
const deps = (fabric?: FabricFacts): Dependencies => ({
  fabric,
  endpoints: new Map([
    [closed(), { code: 'LEDGER_UNAVAILABLE', subject: 'ledger', what: "the ledger's database" }],
    [`127.0.0.1:${closedPort + 1}`, { code: 'QUEUE_UNAVAILABLE', subject: 'redis', what: 'Redis' }],
    [`127.0.0.1:${closedPort + 2}`, { code: 'BANK_UNAVAILABLE', subject: 'BankAMSP', what: "BankAMSP's customer onboarding" }],
  ]),
});
const classified = (error: unknown, d = deps(facts())) => {
  const fault = classifyFault(error, d);
  return (
    fault && { code: fault.code, subject: fault.subject, status: fault.status, retryAfter: fault.retryAfterSeconds, message: fault.message }
  );
};

describe('Fabric gateway errors', () => {
  let client: grpc.Client;
  let gateway: ReturnType<typeof connect>;
  beforeAll(() => {
    // The API's own channel to BankB's peer, marked as FabricSessions marks it; the peer is not there.
    client = new grpc.Client(closed(), grpc.credentials.createInsecure(), { interceptors: [attributedTo('BankBMSP')] });
    gateway = connect({
      client,
      identity: { mspId: 'BankBMSP', credentials: Buffer.from('certificate') },
      signer: signers.newPrivateKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 3_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 3_000 }),
    });
  });
  afterAll(() => {
    gateway.close();
    client.close();
  });

  /** What this process knows of its channels: BankB's is the one failing. */
  const live = (): FabricFacts => ({
    gatewayPeerOf,
    reachable: (mspId) =>
      mspId !== 'BankBMSP' || client.getChannel().getConnectivityState(false) !== grpc.connectivityState.TRANSIENT_FAILURE,
    unreachable: () => [],
  });

  it('an evaluation whose own gateway peer does not answer names that peer’s org', async () => {
    const error = await gateway
      .getNetwork('securepay')
      .getContract('securepay')
      .evaluateTransaction('GetOrder', 'o-1')
      .catch((e: unknown) => e);
    expect((error as GatewayError).code).toBe(14);
    expect(gatewayPeerOf(error as GatewayError)).toBe('BankBMSP');
    expect(classified(error, deps(live()))).toEqual({
      code: 'PEER_UNAVAILABLE',
      subject: 'BankBMSP',
      status: 503,
      retryAfter: 5,
      message: 'the peer of BankBMSP did not answer; retry after 5 s',
    });
  });

  it('an endorsement likewise, also when wrapped by the client’s retries', async () => {
    const error = await gateway
      .getNetwork('securepay')
      .getContract('securepay')
      .newProposal('Approve', { arguments: ['o-1'] })
      .endorse()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndorseError);
    const wrapped = new Error('Approve failed after 8 attempts', { cause: error });
    expect(classified(wrapped, deps(live()))).toMatchObject({ code: 'PEER_UNAVAILABLE', subject: 'BankBMSP' });
  });

  const serviceError = (code: number, message = `${code}`): grpc.ServiceError =>
    Object.assign(new Error(message), { code, details: '', metadata: new grpc.Metadata() }) as grpc.ServiceError;
  const detail = (mspId: string, message: string): ErrorDetail => ({ address: `peer0.${mspId.toLowerCase()}:7051`, mspId, message });
  const endorseError = (code: number, details: ErrorDetail[], message?: string) =>
    new EndorseError({ code, details, cause: serviceError(code, message), transactionId: 'tx', message: message ?? `${code}` });

  it("an endorser the platform's gateway could not reach is named from the error's details", () => {
    const error = endorseError(10, [
      detail(
        'BankBMSP',
        'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:9151: connect: connection refused"',
      ),
    ]);
    expect(classified(error)).toMatchObject({ code: 'PEER_UNAVAILABLE', subject: 'BankBMSP' });
    const timedOut = endorseError(10, [
      detail('BankAMSP', 'rpc error: code = DeadlineExceeded desc = context deadline exceeded'),
      detail('BankBMSP', 'rpc error: code = Unavailable desc = x'),
    ]);
    expect(classified(timedOut)).toMatchObject({ subject: 'BankAMSP,BankBMSP', message: expect.stringContaining('BankAMSP, BankBMSP') });
  });

  it('no endorsement plan for want of peers: the orgs this process cannot reach; none, and it is no fault of a dependency', () => {
    expect(classified(endorseError(9, []), deps(facts(['BankBMSP'])))).toMatchObject({ code: 'PEER_UNAVAILABLE', subject: 'BankBMSP' });
    expect(classified(endorseError(9, []), deps(facts([])))).toBeUndefined();
  });

  it("no endorsement plan because the gateway's discovery lost a peer this process still reaches: a 503 all the same", () => {
    const noPlan = '9 FAILED_PRECONDITION: no combination of peers can be derived which satisfy the endorsement policy';
    expect(classified(endorseError(9, [], noPlan), deps(facts([])))).toMatchObject({
      code: 'PEER_UNAVAILABLE',
      subject: 'peers',
      status: 503,
    });
    expect(classified(endorseError(9, [], noPlan), deps(facts(['BankBMSP'])))).toMatchObject({
      code: 'PEER_UNAVAILABLE',
      subject: 'BankBMSP',
    });
  });

  it('a chaincode response or a mismatch is not unavailability', () => {
    expect(classified(endorseError(10, [detail('BankBMSP', 'chaincode response 500, WRONG_STATE: order o-1 is SHIPPED')]))).toBeUndefined();
    expect(classified(endorseError(10, [detail('BankAMSP', 'ProposalResponsePayloads do not match')]))).toBeUndefined();
    expect(classified(endorseError(3, []))).toBeUndefined();
    // The contract's refusal, whatever gateway error carried it and whoever is down meanwhile.
    const refusal = new ContractRefusal('NOT_FOUND', 'no order o-1', 'tx', { cause: endorseError(10, [detail('BankBMSP', 'x')]) });
    expect(classified(refusal, deps(facts(['BankBMSP'])))).toBeUndefined();
  });

  it('the ordering service not taking or not delivering a transaction', () => {
    const submit = (code: number, details: ErrorDetail[]) =>
      new SubmitError({ code, details, cause: serviceError(code), transactionId: 'tx' });
    expect(classified(submit(14, [detail('OrdererMSP', 'rpc error: code = Unavailable desc = connection refused')]))).toEqual({
      code: 'ORDERER_UNAVAILABLE',
      subject: 'OrdererMSP',
      status: 503,
      retryAfter: 5,
      message: 'the ordering service (OrdererMSP) did not take the transaction; retry after 5 s',
    });
    expect(classified(submit(10, []))).toMatchObject({ code: 'ORDERER_UNAVAILABLE', subject: 'ordering service' });
    expect(classified(submit(9, []))).toBeUndefined();
    const commit = new CommitStatusError({ code: 4, details: [], cause: serviceError(4), transactionId: 'tx' });
    expect(classified(commit)).toMatchObject({ code: 'ORDERER_UNAVAILABLE', message: expect.stringContaining('no block') });
    // The peer's server ends the wait at its deadline with RST_STREAM CANCEL: grpc-js may read that first, as CANCELLED.
    const cancelled = new CommitStatusError({ code: 1, details: [], cause: serviceError(1), transactionId: 'tx' });
    expect(classified(cancelled)).toMatchObject({ code: 'ORDERER_UNAVAILABLE', message: expect.stringContaining('no block') });
    // Anything else a wait ends with is not ordering's fault.
    expect(classified(new CommitStatusError({ code: 7, details: [], cause: serviceError(7), transactionId: 'tx' }))).toBeUndefined();
  });
});

describe('the ledger database, Redis and a bank’s onboarding', () => {
  it('pg: a refused connection, by the address in the settings; through the API’s pool, by its type', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: closedPort, user: 'x', password: 'y', database: 'z' });
    const refused = await client.connect().catch((e: unknown) => e);
    expect(classified(refused)).toMatchObject({ code: 'LEDGER_UNAVAILABLE', subject: 'ledger', retryAfter: 2 });
    const pool = answeringFaults(new pg.Pool({ host: '127.0.0.1', port: closedPort, user: 'x', password: 'y', database: 'z' }));
    const viaPool = await pool.query('select 1').catch((e: unknown) => e);
    expect(viaPool).toBeInstanceOf(ServiceUnavailable);
    expect(classified(viaPool, { endpoints: new Map() })).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    await pool.end();
  });

  it('pg: a session the server ends (57P01), and a server that goes away mid-query', async () => {
    const cluster = await startScratchCluster({ parties: testParties, port: 55832 });
    const db = await createTestDatabase(cluster.access, { prefix: 'securepay_fault_test' });
    const pool = answeringFaults(loginPool(db.login(db.party('platform')), { max: 2 }));
    pool.on('error', () => undefined);
    try {
      const victim = await pool.connect();
      const { rows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid');
      const sleeping = victim.query('select pg_sleep(10)').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      const ended = await sleeping;
      expect((ended as pg.DatabaseError).code).toBe('57P01');
      expect(classified(ended, { endpoints: new Map() })).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
      victim.release(true);
      // Not every error the server answers is unavailability: this one is a bug of the query's.
      const bug = await pool.query('select 1 / 0').catch((e: unknown) => e);
      expect((bug as pg.DatabaseError).code).toBe('22012');
      expect(classified(bug, { endpoints: new Map() })).toBeUndefined();
      // The backend serving a query dies without a word (SIGKILL): pg reports a plain Error, no SQLSTATE.
      const midQuery = pool.query('select pg_sleep(10) as slept').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      const running = await pool.query<{ pid: number }>(
        "select pid from pg_stat_activity where query = 'select pg_sleep(10) as slept' and pid <> pg_backend_pid()",
      );
      process.kill(running.rows[0]!.pid, 'SIGKILL');
      const lost = await midQuery;
      expect(lost).toBeInstanceOf(ServiceUnavailable);
      expect(((lost as ServiceUnavailable).cause as Error).constructor).toBe(Error);
      expect((lost as ServiceUnavailable).code).toBe('LEDGER_UNAVAILABLE');
    } finally {
      await pool.end().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await cluster.stop();
    }
  }, 90_000);

  it('ioredis: a command that found no connection, and the refused connection itself', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: closedPort + 1, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    const connectErrors: unknown[] = [];
    redis.on('error', (e) => connectErrors.push(e));
    const failed = await redis.get('k').catch((e: unknown) => e);
    redis.disconnect();
    expect(classified(failed)).toMatchObject({ code: 'QUEUE_UNAVAILABLE', subject: 'redis' });
    expect(classified(connectErrors[0])).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  });

  it("fetch: a bank's onboarding that does not answer", async () => {
    const failed = await fetch(`http://127.0.0.1:${closedPort + 2}/customers`).catch((e: unknown) => e);
    expect(classified(failed)).toMatchObject({ code: 'BANK_UNAVAILABLE', subject: 'BankAMSP' });
  });

  it('anything else is ours: a 500', () => {
    expect(classified(new Error('boom'))).toBeUndefined();
    expect(classified(new ContractRefusal('WRONG_STATE', 'no'))).toBeUndefined();
    expect(classified(Object.assign(new Error('refused'), { code: 'ECONNREFUSED', address: '10.0.0.9', port: 1 }))).toBeUndefined();
  });
});

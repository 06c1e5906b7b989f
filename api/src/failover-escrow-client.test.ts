import { generateKeyPairSync } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract } from '@hyperledger/fabric-gateway';
import { ContractRefusal, EscrowClient } from '@securepay/client';
import { fakeContract, endorseRefusal } from '@securepay/client/src/fake-contract';
import { freePort } from '@securepay/ledger';
import { FailoverEscrowClient } from './failover-escrow-client';
import { classifyFault } from './fault-classifier';
import { attributedTo, gatewayPeerOf } from './peer-attribution';

/**
 * The platform's own peer is a real gateway client on a port nobody listens on; the other orgs'
 * peers are the client's stand-in contract: one without the chaincode (the central bank's), one
 * that answers.
 */
describe('reads when the platform’s own peer does not answer', () => {
  let client: grpc.Client;
  let gateway: ReturnType<typeof connect>;
  let own: Contract;

  beforeAll(async () => {
    client = new grpc.Client(`127.0.0.1:${await freePort(42_000)}`, grpc.credentials.createInsecure(), {
      interceptors: [attributedTo('PlatformMSP')],
    });
    gateway = connect({
      client,
      identity: { mspId: 'PlatformMSP', credentials: Buffer.from('certificate') },
      signer: signers.newPrivateKeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 3_000 }),
    });
    own = gateway.getNetwork('securepay').getContract('securepay', 'escrow');
  });
  afterAll(() => {
    gateway.close();
    client.close();
  });

  const peerDown = (error: unknown): boolean =>
    classifyFault(error, {
      fabric: { gatewayPeerOf, reachable: (mspId) => mspId !== 'PlatformMSP', unreachable: () => ['PlatformMSP'] },
      endpoints: new Map(),
    })?.unavailable === 'PEER_UNAVAILABLE';

  it("goes to the next org's peer that answers, passing one that cannot", async () => {
    const noChaincode = fakeContract([], () => {
      throw new Error('chaincode securepay not found');
    });
    const bank = fakeContract([], (name) => (name === 'GetCompensation' ? JSON.stringify({ penaltyBps: 700 }) : ''));
    const reader = new FailoverEscrowClient(own, () => [new EscrowClient(noChaincode.contract), new EscrowClient(bank.contract)], peerDown);
    await expect(reader.getCompensation()).resolves.toEqual({ penaltyBps: 700 });
    expect(noChaincode.calls.map((c) => c.name)).toEqual(['GetCompensation']);
    expect(bank.calls.map((c) => c.name)).toEqual(['GetCompensation']);
  });

  it('answers the own peer’s failure when no other peer can answer either', async () => {
    const down = fakeContract([], () => {
      throw new Error('no');
    });
    const reader = new FailoverEscrowClient(own, () => [new EscrowClient(down.contract)], peerDown);
    const error = await reader.getCompensation().catch((e: unknown) => e);
    expect(peerDown(error)).toBe(true);
  });

  it("does not go elsewhere for the contract's own answer, nor submit anywhere but its own peer", async () => {
    const answering = fakeContract([], () => {
      throw endorseRefusal('NOT_FOUND', 'no order o-1');
    });
    const elsewhere = fakeContract([], () => JSON.stringify({ penaltyBps: 1 }));
    const reader = new FailoverEscrowClient(answering.contract, () => [new EscrowClient(elsewhere.contract)], peerDown);
    await expect(reader.getOrder('o-1')).rejects.toBeInstanceOf(ContractRefusal);
    expect(elsewhere.calls).toEqual([]);
    const submitting = new FailoverEscrowClient(own, () => [new EscrowClient(elsewhere.contract)], peerDown, { attempts: 1 });
    await expect(submitting.approve('o-1')).rejects.toThrow();
    expect(elsewhere.calls).toEqual([]);
  });
});

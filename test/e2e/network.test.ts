import { randomBytes } from 'node:crypto';
import { type Gateway } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  blockSigners,
  channelConfig,
  connectGateway,
  ordererChannelInfo,
  orderingService,
  orgAdmin,
  registerAndEnroll,
  status,
  up,
  waitForBlock,
  type GatewayConnection,
  type SigningIdentity,
} from '@securepay/network';
import { refusal } from './escrow-driver';
import { connectionOf, networkLayout, outsiderUser, uniqueId } from './fixtures';

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function diagnostics(gateway: Gateway) {
  const { channel, chaincode } = connectionOf('BankAMSP');
  return gateway.getNetwork(channel).getContract(chaincode, 'diagnostics');
}

describe('the SecurePay network', () => {
  const bankA = connectionOf('BankAMSP');
  const open: GatewayConnection[] = [];
  const gatewayFor = (mspId: string, identity: SigningIdentity): Gateway => {
    const connection = connectGateway(connectionOf(mspId), identity);
    open.push(connection);
    return connection.gateway;
  };
  afterAll(() => open.forEach((c) => c.close()));

  let buyer: SigningIdentity;
  const probeId = uniqueId('probe');
  const note = uniqueId('private-note');
  let commit: { txId: string; blockNumber: bigint };

  beforeAll(async () => {
    buyer = await registerAndEnroll(bankA, uniqueId('buyer'), { role: 'buyer', walletCommitment: randomBytes(32).toString('hex') });
    const submitted = await diagnostics(gatewayFor('BankAMSP', buyer)).submitAsync('RecordProbe', {
      arguments: [probeId],
      transientData: { note },
    });
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);
    commit = { txId: submitted.getTransactionId(), blockNumber: status.blockNumber };
    const admins = networkLayout().network.orgs.map(({ mspId }) =>
      gatewayFor(mspId, orgAdmin(connectionOf(mspId))).getNetwork(bankA.channel),
    );
    await waitForBlock(admins, status.blockNumber);
  });

  it('finds the network already up on a second `up`, restarting nothing', async () => {
    const layout = networkLayout();
    const before = status(layout.network);
    await up(layout.network);
    const after = status(layout.network);
    expect(after.every((p) => p.running)).toBe(true);
    expect(after.map((p) => [p.name, p.pid])).toEqual(before.map((p) => [p.name, p.pid]));
  });

  it('runs every orderer of the profile as an active consenter of the channel', async () => {
    const layout = networkLayout();
    for (const node of layout.network.activeOrderers) {
      expect(await ordererChannelInfo(layout, node)).toMatchObject({ status: 'active', consensusRelation: 'consenter' });
    }
  });

  it('is ordered by the consenters of its profile, and a block needs the signatures its policy asks for', async () => {
    const layout = networkLayout();
    const network = gatewayFor('BankBMSP', orgAdmin(connectionOf('BankBMSP'))).getNetwork(bankA.channel);
    const service = orderingService(await channelConfig(network));
    const block = common.Block.deserializeBinary(
      await network.getContract('qscc').evaluateTransaction('GetBlockByNumber', bankA.channel, String(commit.blockNumber)),
    );
    const signers = blockSigners(block);
    expect(service.consenters.map((c) => c.endpoint)).toEqual(layout.network.activeOrderers.map((o) => `${o.host}:${o.port}`));
    if (layout.network.consensus === 'BFT') {
      // One consenter per member, each identity issued by that member's own CA; a quorum of 2f + 1 must sign.
      expect(service.consensus).toBe('BFT');
      expect(service.consenters.map((c) => c.mspId)).toEqual(layout.network.activeOrderers.map((o) => layout.ordererOwner(o).mspId));
      for (const consenter of service.consenters) {
        const issuer = new X509Certificate(readFileSync(layout.orgCaCert(layout.network.orgs.find((o) => o.mspId === consenter.mspId)!)));
        expect(new X509Certificate(consenter.identityPem!).checkIssued(issuer)).toBe(true);
      }
      const f = Math.floor((service.consenters.length - 1) / 3);
      const quorum = Math.ceil((service.consenters.length + f + 1) / 2);
      expect(service.blockValidation).toEqual({ kind: 'signature', required: quorum, of: service.consenters.length });
      expect(new Set(signers).size).toBeGreaterThanOrEqual(quorum);
    } else {
      expect(service.consensus).toBe('etcdraft');
      expect(service.blockValidation).toEqual({ kind: 'implicit', rule: 'ANY Writers' });
      expect(signers).toEqual([layout.network.ordererOrg.mspId]);
    }
  });

  it('lets a buyer enrolled at its bank’s CA transact, and the chaincode sees its MSP and role attribute', async () => {
    const recorded = JSON.parse(utf8(await diagnostics(gatewayFor('BankAMSP', buyer)).evaluateTransaction('ReadProbe', probeId)));
    expect(recorded).toEqual({ probeId, mspId: 'BankAMSP', role: 'buyer', txId: commit.txId });
  });

  it('delivers the transaction’s chaincode event through getChaincodeEvents', async () => {
    const network = gatewayFor('BankAMSP', orgAdmin(bankA)).getNetwork(bankA.channel);
    const events = await network.getChaincodeEvents(bankA.chaincode, { startBlock: commit.blockNumber });
    try {
      for await (const event of events) {
        if (event.transactionId !== commit.txId) continue;
        expect(event.eventName).toBe('ProbeRecorded');
        expect(event.blockNumber).toBe(commit.blockNumber);
        expect(JSON.parse(utf8(event.payload))).toMatchObject({ version: 1, probeId, mspId: 'BankAMSP', role: 'buyer' });
        expect(utf8(event.payload)).not.toContain(note);
        break;
      }
    } finally {
      events.close();
    }
  });

  const collectionMembers = networkLayout().network.chaincode.collections.find((c) => c.name === 'orderTerms')!.members;
  it.each(collectionMembers)('lets a member org (%s) read the private note from its own peer', async (mspId) => {
    const admin = orgAdmin(connectionOf(mspId));
    const read = await diagnostics(gatewayFor(mspId, admin)).evaluateTransaction('ReadProbeNote', probeId);
    expect(utf8(read)).toBe(note);
  });

  it('keeps the private note out of the block every channel reader receives (only its hash is there)', async () => {
    const network = gatewayFor('BankBMSP', orgAdmin(connectionOf('BankBMSP'))).getNetwork(bankA.channel);
    const blocks = await network.getBlockEvents({ startBlock: commit.blockNumber });
    try {
      for await (const block of blocks) {
        const bytes = Buffer.from(block.serializeBinary());
        expect(bytes.includes(Buffer.from(commit.txId))).toBe(true);
        expect(bytes.includes(Buffer.from(note))).toBe(false);
        break;
      }
    } finally {
      blocks.close();
    }
  });

  it('refuses a transaction from an identity of an org outside the channel, and changes nothing', async () => {
    const outsiderProbe = uniqueId('outsider');
    const contract = diagnostics(gatewayFor('BankAMSP', outsiderUser()));
    expect(await refusal(contract.submitTransaction('RecordProbe', outsiderProbe))).toMatch(/access denied/);
    await expect(diagnostics(gatewayFor('BankAMSP', orgAdmin(bankA))).evaluateTransaction('ReadProbe', outsiderProbe)).rejects.toThrow(
      /does not exist/,
    );
  });

  it('commits the no-op transaction the benchmarks use as the network’s ceiling', async () => {
    const submitted = await diagnostics(gatewayFor('PlatformMSP', orgAdmin(connectionOf('PlatformMSP')))).submitAsync('Noop');
    expect((await submitted.getStatus()).successful).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import type { ChaincodeEvent, Gateway, Network } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { generateKeyPairSync } from 'node:crypto';
import { connectGateway, orgAdmin, registerAndEnroll, type GatewayConnection, type SigningIdentity } from '@securepay/network';
import { refusal } from './escrow-driver';
import { connectionOf, networkLayout, uniqueId } from './fixtures';

const centralBank = 'CentralBankMSP';

/** The first chaincode event of transaction `txId`, as the peer behind `network` delivers it. */
async function eventOf(network: Network, chaincode: string, startBlock: bigint, txId: string): Promise<ChaincodeEvent> {
  const events = await network.getChaincodeEvents(chaincode, { startBlock });
  try {
    for await (const event of events) if (event.transactionId === txId) return event;
  } finally {
    events.close();
  }
  throw new Error(`no event for ${txId}`);
}

/**
 * The central bank is a channel member that keeps its own copy of the chain and takes no part in
 * orders: its peer validates every block, runs no chaincode, is in no collection, and its identities
 * are refused by the contract.
 */
describe('the central bank on the channel', () => {
  const open: GatewayConnection[] = [];
  const gatewayFor = (mspId: string, identity: SigningIdentity): Gateway => {
    const connection = connectGateway(connectionOf(mspId), identity);
    open.push(connection);
    return connection.gateway;
  };
  afterAll(() => open.forEach((c) => c.close()));
  const { channel, chaincode } = connectionOf('BankAMSP');
  const probe = uniqueId('cb-probe');
  let commit: { txId: string; blockNumber: bigint };

  beforeAll(async () => {
    const buyer = await registerAndEnroll(connectionOf('BankAMSP'), uniqueId('buyer'), {
      role: 'buyer',
      walletCommitment: randomBytes(32).toString('hex'),
    });
    const submitted = await gatewayFor('BankAMSP', buyer)
      .getNetwork(channel)
      .getContract(chaincode, 'diagnostics')
      .submitAsync('RecordProbe', { arguments: [probe], transientData: { note: uniqueId('note') } });
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);
    commit = { txId: submitted.getTransactionId(), blockNumber: status.blockNumber };
  });

  it('delivers from its own peer the same chaincode event a bank’s peer delivers', async () => {
    const fromCentralBank = await eventOf(
      gatewayFor(centralBank, orgAdmin(connectionOf(centralBank))).getNetwork(channel),
      chaincode,
      commit.blockNumber,
      commit.txId,
    );
    const fromBank = await eventOf(
      gatewayFor('BankBMSP', orgAdmin(connectionOf('BankBMSP'))).getNetwork(channel),
      chaincode,
      commit.blockNumber,
      commit.txId,
    );
    expect(fromCentralBank.blockNumber).toBe(commit.blockNumber);
    expect({ ...fromCentralBank, payload: Buffer.from(fromCentralBank.payload) }).toEqual({
      ...fromBank,
      payload: Buffer.from(fromBank.payload),
    });
  });

  // Header, transactions and each transaction's validation code are the same bytes on both peers;
  // the orderers' signatures may differ (under BFT any quorum of them makes a block valid).
  it('holds the very block a bank’s peer holds, and judged every transaction in it the same', async () => {
    const block = async (mspId: string): Promise<Buffer[]> => {
      const bytes = await gatewayFor(mspId, orgAdmin(connectionOf(mspId)))
        .getNetwork(channel)
        .getContract('qscc')
        .evaluateTransaction('GetBlockByNumber', channel, String(commit.blockNumber));
      const parsed = common.Block.deserializeBinary(bytes);
      return [
        parsed.getHeader()!.serializeBinary(),
        parsed.getData()!.serializeBinary(),
        parsed.getMetadata()!.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER]!,
      ].map((b) => Buffer.from(b));
    };
    expect(await block(centralBank)).toEqual(await block('BankAMSP'));
  });

  it('is left out of the chaincode’s endorsement policy: the platform and one of the banks', async () => {
    const args = new peer.lifecycle.QueryChaincodeDefinitionArgs();
    args.setName(chaincode);
    const network = gatewayFor('PlatformMSP', orgAdmin(connectionOf('PlatformMSP'))).getNetwork(channel);
    const result = peer.lifecycle.QueryChaincodeDefinitionResult.deserializeBinary(
      await network.getContract('_lifecycle').evaluateTransaction('QueryChaincodeDefinition', args.serializeBinary()),
    );
    const policy = peer.ApplicationPolicy.deserializeBinary(result.getValidationParameter_asU8()).getSignaturePolicy()!;
    const orgs = policy.getIdentitiesList().map((principal) => {
      const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
      return `${role.getMspIdentifier()}.${role.getRole() === msp.MSPRole.MSPRoleType.PEER ? 'peer' : role.getRole()}`;
    });
    expect([...orgs].sort()).toEqual(['BankAMSP.peer', 'BankBMSP.peer', 'PlatformMSP.peer']);
    // AND(platform, OutOf(1, BankA, BankB)): two of two rules, the second any one of the banks.
    const [platform, anyBank] = policy.getRule()!.getNOutOf()!.getRulesList();
    expect(policy.getRule()!.getNOutOf()!.getN()).toBe(2);
    expect(orgs[platform!.getSignedBy()]).toBe('PlatformMSP.peer');
    expect(anyBank!.getNOutOf()!.getN()).toBe(1);
    expect(
      anyBank!
        .getNOutOf()!
        .getRulesList()
        .map((r) => orgs[r.getSignedBy()])
        .sort(),
    ).toEqual(['BankAMSP.peer', 'BankBMSP.peer']);
    expect(networkLayout().network.orgs.find((o) => o.mspId === centralBank)!.chaincodeServer).toBeUndefined();
  });

  it('cannot endorse: asked to, its peer has no chaincode to run', async () => {
    const contract = gatewayFor('BankAMSP', orgAdmin(connectionOf('BankAMSP')))
      .getNetwork(channel)
      .getContract(chaincode, 'diagnostics');
    const proposal = contract.newProposal('RecordProbe', {
      arguments: [uniqueId('cb-endorse')],
      transientData: { note: 'x' },
      endorsingOrganizations: [centralBank],
    });
    expect(await refusal(proposal.endorse())).toMatch(/failed to find any endorsing peers for org\(s\): CentralBankMSP/);
  });

  it('is in no private data collection: its admin cannot read the order terms collection through any peer', async () => {
    const contract = gatewayFor('BankAMSP', orgAdmin(connectionOf(centralBank)))
      .getNetwork(channel)
      .getContract(chaincode, 'diagnostics');
    expect(await refusal(contract.evaluateTransaction('ReadProbeNote', probe))).toMatch(/access|permission|not a member|denied/i);
  });

  it('takes no part in orders: the contract refuses its admin acting as a bank, and nothing is written', async () => {
    const contract = gatewayFor('BankAMSP', orgAdmin(connectionOf(centralBank)))
      .getNetwork(channel)
      .getContract(chaincode, 'escrow');
    const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await refusal(contract.submitTransaction('RegisterLedgerKey', key))).toMatch(
      /WRONG_PARTY.*central bank takes no part in orders/,
    );
    expect(await refusal(contract.evaluateTransaction('GetLedgerKey', centralBank))).toMatch(/NOT_FOUND/);
  });
});

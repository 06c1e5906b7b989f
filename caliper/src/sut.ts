import { walletCommitment } from '@securepay/client';
import { EscrowClient } from '@securepay/client';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectGateway, orgAdmin, registerAndEnroll, type OrgConnection, type SigningIdentity } from '@securepay/network';

export const caliperRuntime = path.resolve(__dirname, '..', '.runtime');

interface Member {
  name: string;
  mspId: string;
  partyId?: string;
  wallet?: string;
  /** Opens the certificate's wallet commitment; the workload puts it in the terms. */
  walletSalt?: string;
}

/** One worker's own cast: its orders involve only these, so workers never touch each other's keys. */
export interface WorkerParties {
  buyer: Member;
  merchant: Member;
  courier: Member;
}

export interface Parties {
  channel: string;
  contract: string;
  /** Each org's peer, and its admin to read block heights with. */
  peers: { mspId: string; endpoint: string; hostAlias: string; tlsRootCertPath: string; certPath: string; keyPath: string }[];
  workers: WorkerParties[];
  admins: { platform: Member; buyerBank: Member; merchantBank: Member };
  ledgerKeyPem: string;
}

const yamlString = (s: string): string => JSON.stringify(s);

/**
 * Everything Caliper needs to drive the running network, generated from its connection files:
 * users enrolled at the banks' CAs with their roles (one buyer, merchant and courier per worker),
 * a connection profile per org, Caliper's network config, and the workers' cast. Identities' keys
 * go to git-ignored files readable by this user only; a settlement key is registered for BankB so
 * the settlement-proof round's receipts verify.
 */
export async function prepareSut(
  connections: Map<string, OrgConnection>,
  workers: number,
): Promise<{ networkConfig: string; partiesFile: string }> {
  const dir = path.join(caliperRuntime, 'sut');
  mkdirSync(path.join(dir, 'identities'), { recursive: true, mode: 0o700 });
  const identities = new Map<string, { name: string; identity: SigningIdentity }[]>();
  const add = (name: string, identity: SigningIdentity): Member => {
    const list = identities.get(identity.mspId) ?? [];
    list.push({ name, identity });
    identities.set(identity.mspId, list);
    return { name, mspId: identity.mspId };
  };
  const user = async (mspId: string, role: 'buyer' | 'merchant' | 'courier', worker: number): Promise<Member> => {
    const partyId = `p${randomBytes(8).toString('hex')}`;
    const wallet = `w-bench-${randomBytes(6).toString('hex')}`;
    const walletSalt = randomBytes(16).toString('hex');
    const identity = await registerAndEnroll(connections.get(mspId)!, `bench-${role}-${worker}-${randomBytes(4).toString('hex')}`, {
      role,
      partyId,
      walletCommitment: walletCommitment(wallet, walletSalt),
    });
    return { ...add(`${role}-${worker}`, identity), partyId, wallet, walletSalt };
  };

  const admins = {
    platform: add('platform-admin', orgAdmin(connections.get('PlatformMSP')!)),
    buyerBank: add('banka-admin', orgAdmin(connections.get('BankAMSP')!)),
    merchantBank: add('bankb-admin', orgAdmin(connections.get('BankBMSP')!)),
  };
  const cast: WorkerParties[] = [];
  for (let w = 0; w < workers; w++) {
    cast.push({
      buyer: await user('BankAMSP', 'buyer', w),
      merchant: await user('BankBMSP', 'merchant', w),
      courier: await user('BankBMSP', 'courier', w),
    });
  }

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const bankB = connectGateway(connections.get('BankBMSP')!, orgAdmin(connections.get('BankBMSP')!));
  try {
    const { channel, chaincode } = connections.get('BankBMSP')!;
    const escrow = new EscrowClient(bankB.gateway.getNetwork(channel).getContract(chaincode, 'escrow'));
    await escrow.registerLedgerKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  } finally {
    bankB.close();
  }

  const orgs: string[] = [];
  for (const [mspId, connection] of connections) {
    const peerName = connection.peer.hostAlias;
    const profile = {
      name: `securepay-${mspId}`,
      version: '1.0.0',
      client: { organization: mspId },
      organizations: { [mspId]: { mspid: mspId, peers: [peerName] } },
      peers: {
        [peerName]: {
          url: `grpcs://${connection.peer.endpoint}`,
          tlsCACerts: { path: connection.peer.tlsRootCertPath },
          grpcOptions: { 'ssl-target-name-override': connection.peer.hostAlias },
        },
      },
    };
    const profileFile = path.join(dir, `${mspId}-profile.json`);
    writeFileSync(profileFile, JSON.stringify(profile, null, 2));
    const certificates = (identities.get(mspId) ?? []).map(({ name, identity }) => {
      const keyFile = path.join(dir, 'identities', `${name}.key.pem`);
      const certFile = path.join(dir, 'identities', `${name}.cert.pem`);
      writeFileSync(keyFile, identity.privateKeyPem, { mode: 0o600 });
      writeFileSync(certFile, identity.certificatePem);
      return `        - name: ${name}\n          clientPrivateKey: { path: ${yamlString(keyFile)} }\n          clientSignedCert: { path: ${yamlString(certFile)} }`;
    });
    orgs.push(
      `  - mspid: ${mspId}\n    identities:\n      certificates:\n${certificates.join('\n')}\n    connectionProfile: { path: ${yamlString(profileFile)}, discover: true }`,
    );
  }
  const first = connections.values().next().value!;
  const networkConfig = path.join(dir, 'networkconfig.yaml');
  writeFileSync(
    networkConfig,
    `name: securepay\nversion: "2.0.0"\ncaliper:\n  blockchain: fabric\nchannels:\n  - channelName: ${first.channel}\n    contracts:\n      - id: ${first.chaincode}\norganizations:\n${orgs.join('\n')}\n`,
  );
  const partiesFile = path.join(dir, 'parties.json');
  const peers = [...connections.values()].map((c) => ({
    mspId: c.mspId,
    endpoint: c.peer.endpoint,
    hostAlias: c.peer.hostAlias,
    tlsRootCertPath: c.peer.tlsRootCertPath,
    certPath: c.admin.certPath,
    keyPath: c.admin.keyPath,
  }));
  const parties: Parties = {
    channel: first.channel,
    contract: first.chaincode,
    peers,
    workers: cast,
    admins,
    ledgerKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  writeFileSync(partiesFile, JSON.stringify(parties, null, 2), { mode: 0o600 });
  return { networkConfig, partiesFile };
}

import { X509Certificate } from 'node:crypto';
import { common, msp } from '@hyperledger/fabric-protos';

const maxJudged = 1_000;

/**
 * Whose certificates the channel accepts: each application org's MSP root (and intermediate)
 * certificates, read from the channel's own config on the agent's peer — never from a file another
 * party could have written.
 */
export class ChannelTrust {
  /**
   * Certificates already judged: a channel has a handful of peers, each of which endorses thousands of
   * transactions, and parsing and verifying its certificate each time was most of a proof's cost.
   */
  private readonly judged = new Map<string, boolean>();

  constructor(private readonly authorities: ReadonlyMap<string, readonly X509Certificate[]>) {}

  static fromConfig(config: common.Config): ChannelTrust {
    const application = config.getChannelGroup()!.getGroupsMap().get('Application');
    const authorities = new Map<string, X509Certificate[]>();
    for (const [, group] of application?.getGroupsMap().entries() ?? []) {
      const value = group.getValuesMap().get('MSP');
      if (!value) continue;
      const fabric = msp.FabricMSPConfig.deserializeBinary(msp.MSPConfig.deserializeBinary(value.getValue_asU8()).getConfig_asU8());
      const pems = [...fabric.getRootCertsList_asU8(), ...fabric.getIntermediateCertsList_asU8()];
      authorities.set(
        fabric.getName(),
        pems.map((pem) => new X509Certificate(Buffer.from(pem))),
      );
    }
    return new ChannelTrust(authorities);
  }

  /**
   * Is `certificatePem` a peer of `mspId`: issued by one of the org's authorities (signature checked,
   * not just the names) and carrying the `peer` NodeOU?
   */
  isPeerOf(mspId: string, certificatePem: string): boolean {
    const key = `${mspId}\n${certificatePem}`;
    let answer = this.judged.get(key);
    if (answer === undefined) {
      answer = this.judge(mspId, certificatePem);
      if (this.judged.size >= maxJudged) this.judged.delete(this.judged.keys().next().value!);
      this.judged.set(key, answer);
    }
    return answer;
  }

  private judge(mspId: string, certificatePem: string): boolean {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certificatePem);
    } catch {
      return false;
    }
    const issuers = this.authorities.get(mspId) ?? [];
    const issued = issuers.some((issuer) => certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey));
    return issued && certificate.subject.split('\n').includes('OU=peer');
  }

  get orgs(): string[] {
    return [...this.authorities.keys()];
  }
}

import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { Certificate } from '@fidm/x509';
import { z } from 'zod';

/**
 * What checking a customer's certificate against its bank's customer CA finds. It depends on the two
 * PEMs alone (the time of use is checked against `validFrom`/`validTo` on every use), so a chaincode
 * process keeps it: a buyer signs a proposal and later a confirmation, each verified by three
 * endorsers, and parsing two certificates and verifying the CA's signature cost more than verifying
 * the intent's own signature (the chaincode's CPU profile under the orders bench).
 */
export interface CustomerCertificate {
  issuedByCa: boolean;
  validFrom: number;
  validTo: number;
  key: KeyObject;
  isP256: boolean;
  /** Fabric CA's attributes, or undefined when the extension is there but unreadable. */
  attributes: Record<string, string> | undefined;
  /** Fabric CA's NodeOU: only `client` identities are users. */
  isClient: boolean;
}

const fabricAttributesOid = '1.2.3.4.5.6.7.8.1';

/** Enough for every customer active in an hour on a busy platform; the oldest entry goes first. */
const maxKept = 20_000;
const kept = new Map<string, CustomerCertificate>();

/** The certificate checked against the CA, or undefined when either is not a PEM X.509 certificate. */
export function checkCustomerCertificate(certificatePem: string, caPem: string): CustomerCertificate | undefined {
  const id = createHash('sha256').update(caPem).update('\0').update(certificatePem).digest('hex');
  const known = kept.get(id);
  if (known) return known;
  const checked = check(certificatePem, caPem);
  if (!checked) return undefined;
  if (kept.size >= maxKept) kept.delete(kept.keys().next().value!);
  kept.set(id, checked);
  return checked;
}

function check(certificatePem: string, caPem: string): CustomerCertificate | undefined {
  let certificate: X509Certificate;
  let ca: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
    ca = new X509Certificate(caPem);
  } catch {
    return undefined;
  }
  const key = certificate.publicKey;
  return {
    issuedByCa: certificate.checkIssued(ca) && certificate.verify(ca.publicKey),
    validFrom: Date.parse(certificate.validFrom),
    validTo: Date.parse(certificate.validTo),
    key,
    isP256: key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    attributes: fabricAttributes(certificatePem),
    isClient: certificate.subject.split('\n').includes('OU=client'),
  };
}

/** The attributes Fabric CA writes into a certificate (a JSON extension), as fabric-shim's ClientIdentity reads them. */
function fabricAttributes(pem: string): Record<string, string> | undefined {
  let extension: { value: Buffer } | undefined;
  try {
    extension = Certificate.fromPEM(Buffer.from(pem)).extensions.find((e) => e.oid === fabricAttributesOid);
  } catch {
    return undefined;
  }
  if (!extension) return {};
  let value: unknown;
  try {
    value = JSON.parse(extension.value.toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = z.object({ attrs: z.record(z.string(), z.string()) }).safeParse(value);
  return parsed.success ? parsed.data.attrs : undefined;
}

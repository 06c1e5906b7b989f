import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** The order n of each curve Fabric CAs issue keys on: a signature's s must be at most n / 2. */
const curveOrders: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/** Signs a whole message: hashes it with SHA-256 and signs the digest with the key. */
export type MessageSigner = (message: Uint8Array) => Promise<Uint8Array>;

/**
 * An ECDSA signer on OpenSSL (node:crypto) for the gateway, with `hash.none`: the gateway hands it the
 * whole message. fabric-gateway's own `signers.newPrivateKeySigner` signs in pure JavaScript, about a
 * millisecond per signature, three signatures per transaction and one per evaluation: under load the
 * largest single cost of a service talking to the chain. Fabric accepts only low-S signatures in DER,
 * so s is folded into the lower half of the curve's order, as the gateway's signer does.
 */
export function messageSigner(privateKeyPem: string): MessageSigner {
  const key = createPrivateKey(privateKeyPem);
  const order = orderOf(key);
  const width = order === curveOrders.prime256v1 ? 32 : 48;
  return (message) => {
    const raw = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
    const r = toBigInt(raw.subarray(0, width));
    const s = toBigInt(raw.subarray(width));
    return Promise.resolve(derSignature(r, s > order / 2n ? order - s : s));
  };
}

function orderOf(key: KeyObject): bigint {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const order = curve ? curveOrders[curve] : undefined;
  if (key.asymmetricKeyType !== 'ec' || order === undefined) {
    throw new Error(`a Fabric signing key is ECDSA on P-256 or P-384; this one is ${key.asymmetricKeyType} ${curve ?? ''}`.trim());
  }
  return order;
}

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }`, each integer in its shortest two's-complement form. */
export function derSignature(r: bigint, s: bigint): Uint8Array {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  // A set top bit would read as negative: a zero byte in front keeps it positive.
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), bytes]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}

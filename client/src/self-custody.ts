import { signers } from '@hyperledger/fabric-gateway';
import type { ICryptoKey } from 'fabric-common';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * A user's key pair and certificate request, made on the user's own device: the private key never
 * leaves it. The platform's API takes the request (`POST /users/me/certificate`) and returns the
 * certificate its bank's CA signed. The subject must be `CN=<user id>`.
 */
export async function newCertificateRequest(userId: string): Promise<{ privateKeyPem: string; csrPem: string }> {
  // Loaded here, not at the top: fabric-common takes ~0.4 s to load, and every service imports this package.
  const { Utils } = await import('fabric-common');
  // An ephemeral key: it is kept by the caller, not in a key store of fabric-common's.
  const suite = Utils.newCryptoSuite() as ReturnType<typeof Utils.newCryptoSuite> & { generateEphemeralKey(): ICryptoKey };
  const key = suite.generateEphemeralKey() as ICryptoKey & { generateCSR(subject: string): string };
  return { privateKeyPem: key.toBytes(), csrPem: key.generateCSR(`CN=${userId}`) };
}

const signatureRequiredSchema = z.object({
  status: z.literal('SIGNATURE_REQUIRED'),
  signingRequest: z.object({ id: z.string(), digest: z.string() }),
});

/** What the platform API answered: its status and JSON body. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/**
 * The user's side of the offline-signing flow. A step posted as this user comes back `202` with a
 * digest to sign; this signs it with the user's own key and posts the signature, as often as the API
 * asks (the proposal, then the endorsed transaction), until the step's result. The API never holds
 * the key. (It signs what the API hands out: the digest, as the flow has it. A client that
 * must not trust the platform asks for the bytes too and checks function, arguments and creator
 * before signing.)
 */
export class SelfSigningUser {
  readonly #sign: (digest: Uint8Array) => Promise<Uint8Array>;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    privateKeyPem: string,
  ) {
    this.#sign = signers.newPrivateKeySigner(createPrivateKey(privateKeyPem));
  }

  /** POSTs `body` to `path` and signs every digest the API asks for; answers the final status and body. */
  async post(path: string, body: unknown, idempotencyKey: string = randomUUID()): Promise<ApiAnswer> {
    let answer = await this.#post(path, body, idempotencyKey);
    for (let round = 0; answer.status === 202; round++) {
      if (round >= 4) throw new Error(`the API asked for more than four signatures for ${path}`);
      const { signingRequest } = signatureRequiredSchema.parse(answer.body);
      const signature = await this.#sign(Buffer.from(signingRequest.digest, 'base64'));
      answer = await this.#post(
        `/signing-requests/${signingRequest.id}`,
        { signature: Buffer.from(signature).toString('base64') },
        randomUUID(),
      );
    }
    return answer;
  }

  async #post(path: string, body: unknown, idempotencyKey: string): Promise<ApiAnswer> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}`, 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  }
}

import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error';

/** A digest the user must sign on its own device before its step can go on. */
export interface SigningRequest {
  id: string;
  /** SHA-256 digest, base64: of the proposal first, then of the endorsed transaction. */
  digest: string;
}

/** A step that waits for the user's signature: answered `202 Accepted` with what to sign. */
export class SignatureRequired {
  readonly status = 'SIGNATURE_REQUIRED';
  constructor(readonly signingRequest: SigningRequest) {}
}

interface Pending {
  userId: string;
  resolve(signature: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The offline-signing flow for users who keep their own key. Their gateway signer is `signerFor`:
 * when Fabric asks for a signature, the step pauses, the HTTP call that started it answers the
 * digest, and the user's next call (`provide`) brings the signature and carries the same step on —
 * to the next digest or to its result. Every step therefore runs exactly as for a custodial user
 * (a `Propose` still locks the price before it is ordered). One step at a time per user; a digest
 * left unsigned for `timeoutMs` fails the step.
 */
export class SigningRequests {
  readonly #pending = new Map<string, Pending>();
  /** Digests a user's step asked for that no HTTP call has handed out yet. */
  readonly #unclaimed = new Map<string, SigningRequest[]>();
  readonly #listeners = new Map<string, (request: SigningRequest) => void>();
  readonly #active = new Map<string, Promise<{ done: unknown } | { failed: unknown }>>();

  constructor(private readonly timeoutMs = 120_000) {}

  /** The gateway signer for this user's session: each digest becomes a signing request. */
  signerFor(userId: string): (digest: Uint8Array) => Promise<Uint8Array> {
    return (digest) =>
      new Promise<Uint8Array>((resolve, reject) => {
        const request = { id: randomUUID(), digest: Buffer.from(digest).toString('base64') };
        const timer = setTimeout(() => {
          this.#pending.delete(request.id);
          reject(new ApiError(408, 'SIGNATURE_TIMEOUT', `no signature came for signing request ${request.id} in time`));
        }, this.timeoutMs);
        this.#pending.set(request.id, { userId, resolve, reject, timer });
        const listener = this.#listeners.get(userId);
        if (listener) listener(request);
        else this.#unclaimed.set(userId, [...(this.#unclaimed.get(userId) ?? []), request]);
      });
  }

  /** Starts a user's step; answers its result, or the first digest it needs signed. */
  async start(userId: string, step: () => Promise<unknown>): Promise<unknown> {
    if (this.#active.has(userId))
      throw new ApiError(
        409,
        'SIGNING_IN_PROGRESS',
        'another step of this user is waiting for its signature: sign or let it time out first',
      );
    const next = this.#next(userId);
    const running = step().then(
      (done) => ({ done }),
      (failed: unknown) => ({ failed }),
    );
    this.#active.set(userId, running);
    return this.#answer(userId, running, next);
  }

  /** The user's signature for one of its signing requests; answers the step's next digest or its result. */
  async provide(userId: string, requestId: string, signature: Uint8Array): Promise<unknown> {
    const pending = this.#pending.get(requestId);
    const running = this.#active.get(userId);
    if (!pending || pending.userId !== userId || !running)
      throw new ApiError(404, 'NO_SUCH_SIGNING_REQUEST', `no signing request ${requestId} is waiting for this user`);
    this.#pending.delete(requestId);
    clearTimeout(pending.timer);
    const next = this.#next(userId);
    pending.resolve(signature);
    return this.#answer(userId, running, next);
  }

  #next(userId: string): Promise<SigningRequest> {
    const waiting = this.#unclaimed.get(userId)?.shift();
    if (waiting) return Promise.resolve(waiting);
    return new Promise((resolve) =>
      this.#listeners.set(userId, (request) => {
        this.#listeners.delete(userId);
        resolve(request);
      }),
    );
  }

  async #answer(
    userId: string,
    running: Promise<{ done: unknown } | { failed: unknown }>,
    next: Promise<SigningRequest>,
  ): Promise<unknown> {
    const outcome = await Promise.race([running, next.then((request) => ({ request }))]);
    if ('request' in outcome) return new SignatureRequired(outcome.request);
    this.#active.delete(userId);
    this.#listeners.delete(userId);
    if ('failed' in outcome) throw outcome.failed;
    return outcome.done;
  }
}

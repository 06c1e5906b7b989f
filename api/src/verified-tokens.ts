/** Tokens verified this long ago or less still pass a lockout of their address. */
const rememberMs = 60 * 60_000;
const maxRemembered = 20_000;

/**
 * Digests of bearer tokens this process verified lately. A platform's backend calls from one address
 * for all its users: should that address be locked out (a stale token retried in a loop), its users'
 * working tokens still pass, while anything else from it — which could be a guess — is refused
 * unread. Only a token the database accepted gets in, so a guess never does.
 */
export class VerifiedTokens {
  /** Digest (hex) → when it was last verified; insertion order is age order. */
  private readonly seen = new Map<string, number>();

  has(digest: string): boolean {
    const at = this.seen.get(digest);
    if (at === undefined) return false;
    if (Date.now() - at <= rememberMs) return true;
    this.seen.delete(digest);
    return false;
  }

  add(digest: string): void {
    this.seen.delete(digest);
    this.seen.set(digest, Date.now());
    if (this.seen.size > maxRemembered) this.seen.delete(this.seen.keys().next().value!);
  }
}

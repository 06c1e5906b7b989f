/**
 * Users' rows as lately read, by user id and by token digest. A user's row does not change once its
 * certificate is set (nothing updates it after), yet every request looks its caller up and most steps
 * read the row again for the key, the salt or the wallet secret: ~15 reads per order under load
 * (pg_stat_user_tables, 2026-12-07). So the registry keeps what it read for a while.
 *
 * Entries expire after `ttlMs` so a row an operator changes or removes in the database (there is no
 * API for it) stops being served within that time; the map holds at most `capacity` users, the
 * longest unread going first. Sealed secrets stay sealed here: they are opened per use, as before.
 */
export class RecentUsers<R> {
  private readonly byId = new Map<string, { record: R; tokenDigest: string; expires: number }>();
  private readonly idByToken = new Map<string, string>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(userId: string): R | undefined {
    const entry = this.byId.get(userId);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.forget(userId);
      return undefined;
    }
    // Re-inserting moves it to the end: the map's first key is the longest unread.
    this.byId.delete(userId);
    this.byId.set(userId, entry);
    return entry.record;
  }

  byToken(tokenDigest: string): R | undefined {
    const userId = this.idByToken.get(tokenDigest);
    return userId === undefined ? undefined : this.get(userId);
  }

  set(userId: string, tokenDigest: string, record: R): void {
    this.forget(userId);
    this.byId.set(userId, { record, tokenDigest, expires: this.now() + this.ttlMs });
    this.idByToken.set(tokenDigest, userId);
    while (this.byId.size > this.capacity) this.forget(this.byId.keys().next().value!);
  }

  forget(userId: string): void {
    const entry = this.byId.get(userId);
    if (!entry) return;
    this.byId.delete(userId);
    this.idByToken.delete(entry.tokenDigest);
  }

  get size(): number {
    return this.byId.size;
  }
}

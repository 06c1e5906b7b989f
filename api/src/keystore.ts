import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { deriveKeystoreKey, open, seal, sealedBoxSchema, type SealedBox } from './sealed-box';

const checkText = 'securepay-keystore-v1';

/**
 * The custodial keystore: users who do not hold their own keys have their Fabric private key and
 * their wallet secret sealed here. The key comes from the master secret (the environment's, never a
 * file in the repo); PostgreSQL only ever sees ciphertext.
 */
export class Keystore {
  private constructor(private readonly key: Buffer) {}

  /**
   * Opens the keystore, creating it on first use. A master secret other than the one it was created
   * with is refused here, at start, rather than on the first user's request.
   */
  static async open(pool: pg.Pool, masterSecret: string): Promise<Keystore> {
    const existing = await storedCheck(pool);
    if (existing) return Keystore.checked(deriveKeystoreKey(masterSecret, existing.salt), existing.checkBox);
    const salt = randomBytes(16);
    const key = deriveKeystoreKey(masterSecret, salt);
    await pool.query('insert into platform.keystore (id, salt, check_box) values (1, $1, $2) on conflict (id) do nothing', [
      salt,
      JSON.stringify(seal(key, checkText, 'keystore')),
    ]);
    // Another process may have created it a moment earlier, with its own salt.
    const stored = (await storedCheck(pool))!;
    return Keystore.checked(stored.salt.equals(salt) ? key : deriveKeystoreKey(masterSecret, stored.salt), stored.checkBox);
  }

  private static checked(key: Buffer, checkBox: unknown): Keystore {
    try {
      if (open(key, sealedBoxSchema.parse(checkBox), 'keystore') !== checkText) throw new Error('check text differs');
    } catch {
      throw new Error('the keystore master secret (SECUREPAY_KEYSTORE_SECRET) is not the one this keystore was created with');
    }
    return new Keystore(key);
  }

  /** Seals `secret` for `owner` and `purpose`; only the same pair opens it again. */
  seal(owner: string, purpose: string, secret: string): SealedBox {
    return seal(this.key, secret, `${owner}/${purpose}`);
  }

  open(owner: string, purpose: string, box: unknown): string {
    return open(this.key, sealedBoxSchema.parse(box), `${owner}/${purpose}`);
  }
}

/** The keystore's salt and its sealed check text, once the keystore exists. */
async function storedCheck(pool: pg.Pool): Promise<{ salt: Buffer; checkBox: unknown } | undefined> {
  const { rows } = await pool.query<{ salt: Buffer; check_box: unknown }>('select salt, check_box from platform.keystore where id = 1');
  return rows[0] && { salt: rows[0].salt, checkBox: rows[0].check_box };
}

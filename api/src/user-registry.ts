import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { walletCommitment, type CustomerRequest } from '@securepay/client';
import type { ActingIdentity } from '@securepay/network';
import type { CbdcLedger } from '@securepay/ledger';
import { ApiError } from './api-error';
import { RecentUsers } from './recent-users';
import type { BankOnboarding } from './bank-onboarding';
import type { SigningRequests } from './signing-requests';
import type { Keystore } from './keystore';

export const userRoles = ['buyer', 'merchant', 'courier'] as const;
export type UserRole = (typeof userRoles)[number];

/** A buyer, merchant or courier as the platform knows it. Only `displayName` is personal, and it never leaves the platform. */
export interface PlatformUser {
  userId: string;
  role: UserRole;
  bank: string;
  displayName: string;
  partyId: string;
  wallet: string;
  /** `self`: the user keeps its Fabric key and signs each step on its own device (signing-requests.ts). */
  custody: 'platform' | 'self';
}

/** Who is calling the API: an end user, the platform's operator, or a bank's operator. */
export type Caller =
  | { kind: 'user'; scope: string; user: PlatformUser }
  | { kind: 'platform'; scope: 'platform' }
  | { kind: 'bank'; scope: string; bank: string };

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

interface UserRow {
  user_id: string;
  role: UserRole;
  bank: string;
  display_name: string;
  party_id: string;
  wallet: string;
  custody: 'platform' | 'self';
  token_hash: string;
  certificate_pem: string | null;
  sealed_key: unknown;
  sealed_wallet_secret: unknown;
  wallet_salt: string;
}

/** A user's whole row: the public fields, and its secrets still sealed. */
interface StoredUser {
  user: PlatformUser;
  tokenDigest: string;
  certificatePem: string | null;
  sealedKey: unknown;
  sealedWalletSecret: unknown;
  walletSalt: string;
}

const storedUserOf = (row: UserRow): StoredUser => ({
  user: {
    userId: row.user_id,
    role: row.role,
    bank: row.bank,
    displayName: row.display_name,
    partyId: row.party_id,
    wallet: row.wallet,
    custody: row.custody,
  },
  tokenDigest: row.token_hash,
  certificatePem: row.certificate_pem,
  sealedKey: row.sealed_key,
  sealedWalletSecret: row.sealed_wallet_secret,
  walletSalt: row.wallet_salt,
});
const userColumns =
  'user_id, role, bank, display_name, party_id, wallet, custody, token_hash, certificate_pem, sealed_key, sealed_wallet_secret, wallet_salt';

/** Long enough to spare an order's dozen reads, short enough that a row changed in the database is served stale briefly. */
const recentUsersTtlMs = 60_000;
const recentUsersCapacity = 20_000;

/**
 * The platform's users. Registering one asks its bank to register a pseudonymous identity and enrolls
 * it (the certificate carries `role`, `partyId` and `wallet`, never the name), opens its CBDC wallet, and
 * seals its private key and wallet secret in the keystore. The caller gets an API token once.
 */
export class UserRegistry {
  private readonly operators: { digest: Buffer; caller: Caller }[];
  private readonly recent = new RecentUsers<StoredUser>(recentUsersTtlMs, recentUsersCapacity);

  constructor(
    private readonly pool: pg.Pool,
    private readonly keystore: Keystore,
    private readonly ledger: CbdcLedger,
    private readonly banks: BankOnboarding,
    operatorTokens: { platform: string; banks: Map<string, string> },
    private readonly signing: SigningRequests,
  ) {
    this.operators = [
      { digest: digest(operatorTokens.platform), caller: { kind: 'platform', scope: 'platform' } },
      ...[...operatorTokens.banks].map(([bank, token]) => ({
        digest: digest(token),
        caller: { kind: 'bank', scope: `bank:${bank}`, bank } as Caller,
      })),
    ];
  }

  get bankIds(): string[] {
    return this.banks.bankIds;
  }

  /**
   * `custody: 'self'`: the user keeps its own key. It gets no certificate here; it makes its key and
   * a certificate request on its own device and brings the request (`attachCertificate`).
   */
  async register(input: {
    role: UserRole;
    bank: string;
    displayName: string;
    custody?: 'platform' | 'self';
  }): Promise<{ user: PlatformUser; token: string }> {
    if (!this.banks.has(input.bank))
      throw new ApiError(400, 'UNKNOWN_BANK', `bank: no bank ${input.bank} on this channel (banks: ${this.bankIds.join(', ')})`);
    const userId = `u-${randomUUID()}`;
    const user: PlatformUser = {
      userId,
      role: input.role,
      bank: input.bank,
      displayName: input.displayName,
      partyId: `p${randomBytes(8).toString('hex')}`,
      wallet: `w-${randomUUID()}`,
      custody: input.custody ?? 'platform',
    };
    const token = `sp_${randomBytes(32).toString('base64url')}`;
    const walletSecret = randomBytes(24).toString('hex');
    // The certificate commits to the wallet; the salt that opens it stays here, for the terms.
    const walletSalt = randomBytes(16).toString('hex');
    const identity =
      user.custody === 'platform' ? await this.banks.register(input.bank, this.customerRequest(user, walletSalt)) : undefined;
    await this.ledger.openAccount(`open.${user.wallet}`, { id: user.wallet, kind: 'user', bank: user.bank, ownerSecret: walletSecret });
    await this.pool.query(
      `insert into platform.users (user_id, role, bank, display_name, party_id, wallet, enrollment_id, token_hash, certificate_pem, sealed_key, sealed_wallet_secret, wallet_salt, custody)
       values ($1, $2, $3, $4, $5, $6, $1, $7, $8, $9, $10, $11, $12)`,
      [
        userId,
        user.role,
        user.bank,
        user.displayName,
        user.partyId,
        user.wallet,
        digest(token).toString('hex'),
        identity?.certificatePem ?? null,
        identity ? JSON.stringify(this.keystore.seal(userId, 'fabric-key', identity.privateKeyPem)) : null,
        JSON.stringify(this.keystore.seal(userId, 'wallet-secret', walletSecret)),
        walletSalt,
        user.custody,
      ],
    );
    return { user, token };
  }

  private customerRequest(user: PlatformUser, walletSalt: string): CustomerRequest {
    return {
      enrollmentId: user.userId,
      role: user.role,
      partyId: user.partyId,
      walletCommitment: walletCommitment(user.wallet, walletSalt),
    };
  }

  /**
   * A self-custody user's certificate: its bank registers it and its CA signs the user's own request
   * (subject `CN=<user id>`), whose key never left the user. Once only.
   */
  async attachCertificate(user: PlatformUser, csrPem: string): Promise<string> {
    if (user.custody !== 'self') throw new ApiError(409, 'CUSTODIAL', 'the platform holds this user’s key: it has its certificate already');
    const { rows } = await this.pool.query<{ certificate_pem: string | null }>(
      'select certificate_pem from platform.users where user_id = $1',
      [user.userId],
    );
    if (rows[0]!.certificate_pem) throw new ApiError(409, 'ALREADY_ENROLLED', 'this user has its certificate already');
    const certificatePem = await this.banks.registerWithCsr(user.bank, this.customerRequest(user, await this.walletSalt(user)), csrPem);
    await this.pool.query('update platform.users set certificate_pem = $2 where user_id = $1 and certificate_pem is null', [
      user.userId,
      certificatePem,
    ]);
    this.recent.forget(user.userId);
    return certificatePem;
  }

  /** The caller a bearer token belongs to, or undefined. Operator tokens are compared in constant time. */
  async authenticate(token: string): Promise<Caller | undefined> {
    const hashed = digest(token);
    const operator = this.operators.find((o) => timingSafeEqual(o.digest, hashed));
    if (operator) return operator.caller;
    const hex = hashed.toString('hex');
    const stored = this.recent.byToken(hex) ?? (await this.stored('token_hash', hex));
    return stored ? { kind: 'user', scope: `user:${stored.user.userId}`, user: stored.user } : undefined;
  }

  /** The salt that opens the user's certificate's wallet commitment: it goes into the private terms. */
  async walletSalt(user: PlatformUser): Promise<string> {
    return (await this.storedById(user.userId)).walletSalt;
  }

  async find(userId: string): Promise<PlatformUser | undefined> {
    return (await this.byId(userId))?.user;
  }

  async findByWallet(wallet: string): Promise<PlatformUser | undefined> {
    return (await this.stored('wallet', wallet))?.user;
  }

  /** The row a unique column names, read from the database; kept in `recent` once the row is final (it has its certificate). */
  private async stored(column: 'user_id' | 'token_hash' | 'wallet', value: string): Promise<StoredUser | undefined> {
    const { rows } = await this.pool.query<UserRow>(`select ${userColumns} from platform.users where ${column} = $1`, [value]);
    if (!rows[0]) return undefined;
    const stored = storedUserOf(rows[0]);
    if (stored.certificatePem !== null) this.recent.set(stored.user.userId, stored.tokenDigest, stored);
    return stored;
  }

  private async byId(userId: string): Promise<StoredUser | undefined> {
    return this.recent.get(userId) ?? (await this.stored('user_id', userId));
  }

  /** A user the caller already holds, so its row exists. */
  private async storedById(userId: string): Promise<StoredUser> {
    const stored = await this.byId(userId);
    if (!stored) throw new Error(`no user ${userId} in platform.users`);
    return stored;
  }

  /**
   * The user's Fabric identity: its key opened from the keystore for this use only, or, for a user
   * who keeps its own key, a signer that asks the user for each signature.
   */
  async signingIdentity(user: PlatformUser): Promise<ActingIdentity> {
    const stored = await this.storedById(user.userId);
    if (!stored.certificatePem)
      throw new ApiError(409, 'NO_CERTIFICATE', 'enroll a certificate first: POST /users/me/certificate with your CSR');
    if (user.custody === 'self')
      return { mspId: user.bank, certificatePem: stored.certificatePem, sign: this.signing.signerFor(user.userId) };
    return {
      mspId: user.bank,
      certificatePem: stored.certificatePem,
      privateKeyPem: this.keystore.open(user.userId, 'fabric-key', stored.sealedKey),
    };
  }

  async walletSecret(user: PlatformUser): Promise<string> {
    return this.keystore.open(user.userId, 'wallet-secret', (await this.storedById(user.userId)).sealedWalletSecret);
  }
}

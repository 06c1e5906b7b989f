import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { walletCommitment, type CustomerRequest } from '@securepay/client';
import type { ActingIdentity } from '@securepay/network';
import type { CbdcLedger } from '@securepay/ledger';
import { ApiError } from './api-error';
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
}
const userOf = (row: UserRow): PlatformUser => ({
  userId: row.user_id,
  role: row.role,
  bank: row.bank,
  displayName: row.display_name,
  partyId: row.party_id,
  wallet: row.wallet,
  custody: row.custody,
});
const userColumns = 'user_id, role, bank, display_name, party_id, wallet, custody';

/**
 * The platform's users. Registering one asks its bank to register a pseudonymous identity and enrolls
 * it (the certificate carries `role`, `partyId` and `wallet`, never the name), opens its CBDC wallet, and
 * seals its private key and wallet secret in the keystore. The caller gets an API token once.
 */
export class UserRegistry {
  private readonly operators: { digest: Buffer; caller: Caller }[];

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
    return certificatePem;
  }

  /** The caller a bearer token belongs to, or undefined. Operator tokens are compared in constant time. */
  async authenticate(token: string): Promise<Caller | undefined> {
    const hashed = digest(token);
    const operator = this.operators.find((o) => timingSafeEqual(o.digest, hashed));
    if (operator) return operator.caller;
    const { rows } = await this.pool.query<UserRow>(`select ${userColumns} from platform.users where token_hash = $1`, [
      hashed.toString('hex'),
    ]);
    return rows[0] ? { kind: 'user', scope: `user:${rows[0].user_id}`, user: userOf(rows[0]) } : undefined;
  }

  /** The salt that opens the user's certificate's wallet commitment: it goes into the private terms. */
  async walletSalt(user: PlatformUser): Promise<string> {
    const { rows } = await this.pool.query<{ wallet_salt: string }>('select wallet_salt from platform.users where user_id = $1', [
      user.userId,
    ]);
    return rows[0]!.wallet_salt;
  }

  async find(userId: string): Promise<PlatformUser | undefined> {
    const { rows } = await this.pool.query<UserRow>(`select ${userColumns} from platform.users where user_id = $1`, [userId]);
    return rows[0] ? userOf(rows[0]) : undefined;
  }

  async findByWallet(wallet: string): Promise<PlatformUser | undefined> {
    const { rows } = await this.pool.query<UserRow>(`select ${userColumns} from platform.users where wallet = $1`, [wallet]);
    return rows[0] ? userOf(rows[0]) : undefined;
  }

  /**
   * The user's Fabric identity: its key opened from the keystore for this use only, or, for a user
   * who keeps its own key, a signer that asks the user for each signature.
   */
  async signingIdentity(user: PlatformUser): Promise<ActingIdentity> {
    const { rows } = await this.pool.query<{ certificate_pem: string | null; sealed_key: unknown }>(
      'select certificate_pem, sealed_key from platform.users where user_id = $1',
      [user.userId],
    );
    const row = rows[0]!;
    if (!row.certificate_pem)
      throw new ApiError(409, 'NO_CERTIFICATE', 'enroll a certificate first: POST /users/me/certificate with your CSR');
    if (user.custody === 'self')
      return { mspId: user.bank, certificatePem: row.certificate_pem, sign: this.signing.signerFor(user.userId) };
    return {
      mspId: user.bank,
      certificatePem: row.certificate_pem,
      privateKeyPem: this.keystore.open(user.userId, 'fabric-key', row.sealed_key),
    };
  }

  async walletSecret(user: PlatformUser): Promise<string> {
    const { rows } = await this.pool.query<{ sealed_wallet_secret: unknown }>(
      'select sealed_wallet_secret from platform.users where user_id = $1',
      [user.userId],
    );
    return this.keystore.open(user.userId, 'wallet-secret', rows[0]!.sealed_wallet_secret);
  }
}

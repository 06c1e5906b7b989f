import { z } from 'zod';
import { idPattern, orderStates, windowOverridesSchema } from '@securepay/client';
import { listingCursorSchema } from './listing-cursor';
import { userRoles } from './user-registry';

/** Money on the wire: a string of digits in minor units (an integer JSON number would lose precision past 2^53). */
export const amountSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,17}$/, 'a positive whole number of minor units, as a string of at most 18 digits')
  .meta({ example: '12999' });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash: 64 lower-case hex digits');
const userId = z.string().regex(/^u-[0-9a-f-]{36}$/, 'a user id as returned by POST /users');

export const registerUserBody = z.strictObject({
  role: z.enum(userRoles),
  bank: z.string().regex(/^[A-Za-z0-9]+MSP$/, "the MSP id of the user's bank, such as BankAMSP"),
  displayName: z.string().trim().min(1).max(100).describe('kept by the platform only; never written on-chain'),
  custody: z
    .enum(['platform', 'self'])
    .optional()
    .describe('self: the user keeps its own Fabric key, enrolls its own CSR and signs each step (default: platform)'),
});
export const certificateBody = z.strictObject({
  csr: z
    .string()
    .max(4096)
    .regex(/^-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----\s*$/, 'a PEM certificate request')
    .describe('PKCS#10 request with subject CN=<your user id>, made with your own key'),
});
export const signatureBody = z.strictObject({
  signature: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64')
    .max(200)
    .describe("your key's ECDSA signature of the digest, DER, base64"),
});
export const signingRequestParams = z.strictObject({ requestId: z.uuid() });

export const fundBody = z.strictObject({ amount: amountSchema });

export const createOrderBody = z.strictObject({
  merchantId: userId,
  courierId: userId.optional(),
  productId: z.string().min(1).max(128),
  price: amountSchema,
  windows: windowOverridesSchema.optional().describe('per-order deadlines in milliseconds, overriding the channel defaults'),
});

export const noBody = z.strictObject({});
export const rejectBody = z.strictObject({ reason: z.string().trim().min(1).max(200) });
export const shipBody = z.strictObject({ courierId: userId.optional() });
export const deliverBody = z.strictObject({ proofHash: sha256Hex.describe("hash of the courier's proof of delivery") });
export const resolveBody = z.strictObject({ winner: z.enum(['buyer', 'courier']), evidenceHash: sha256Hex });

export const orderIdParams = z.strictObject({ orderId: z.string().regex(idPattern, 'an order id of 1-64 letters, digits, _ or -') });
export const txIdParams = z.strictObject({ txId: z.string().regex(/^[0-9a-f]{64}$/, 'a transaction id: 64 lower-case hex digits') });
export const walletParams = z.strictObject({ wallet: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a wallet id') });
/** The listing's page size: enough for a screen, small enough that every page is one cheap index read. */
export const maxListingPage = 200;
export const listQuery = z
  .strictObject({
    state: z.enum(orderStates).optional(),
    mspId: z
      .string()
      .regex(/^[A-Za-z0-9]+$/, 'an MSP id, such as BankAMSP')
      .optional()
      .describe("with partyId: only this party's orders (as buyer, merchant or courier)"),
    partyId: z.string().regex(idPattern, 'a pseudonymous party id of 1-64 letters, digits, _ or -').optional(),
    limit: z.coerce.number().int().min(1).max(maxListingPage).optional().describe('page size (default 50)'),
    cursor: listingCursorSchema.optional(),
  })
  .refine((q) => (q.mspId === undefined) === (q.partyId === undefined), {
    message: 'mspId and partyId name a party together: give both or neither',
    path: ['partyId'],
  });
export const historyQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() });

/** A statement's period: whole UTC days, both included, at most this many. */
export const maxStatementDays = 366;
const dayMs = 86_400_000;
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD (UTC)')
  .refine((day) => {
    // Date.parse rolls 2025-02-30 over to March: a real day reads back as itself.
    const ms = Date.parse(`${day}T00:00:00.000Z`);
    return Number.isNaN(ms) || new Date(ms).toISOString().startsWith(day);
  }, 'not a day of the calendar')
  .meta({ example: '2025-01-31' });
const bothDays = (q: { from: unknown; to: unknown }): boolean => isoDate.safeParse(q.from).success && isoDate.safeParse(q.to).success;
export const statementQuery = z
  .strictObject({
    from: isoDate.describe('the first day of the period (UTC), included'),
    to: isoDate.describe('the last day of the period (UTC), included'),
    format: z.enum(['json', 'csv']).optional().describe('instead of the Accept header: json (the default) or csv'),
  })
  // Judged only once both are days (a bad one has its own message already).
  .refine((q) => !bothDays(q) || q.to >= q.from, { message: 'the period ends before it starts (to < from)', path: ['to'] })
  .refine((q) => !bothDays(q) || Date.parse(q.to) - Date.parse(q.from) < maxStatementDays * dayMs, {
    message: `a statement covers at most ${maxStatementDays} days`,
    path: ['to'],
  });

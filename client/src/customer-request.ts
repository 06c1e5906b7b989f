import { z } from 'zod';

/**
 * What a platform may ask a bank's customer onboarding to register: a customer, with the pseudonymous
 * attributes a customer certificate carries — and nothing else. The enrollment id is the platform's
 * user id. Shared by the banks' service (bridge) and the platform's API, which sends it.
 */
export const customerRequestSchema = z.strictObject({
  enrollmentId: z.string().regex(/^u-[0-9a-f-]{36}$/, 'the platform user id, u-<uuid>'),
  role: z.enum(['buyer', 'merchant', 'courier']),
  partyId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a pseudonym of 1-64 letters, digits, _ or -'),
  // A commitment to the wallet, never the wallet id: the bank registers nothing a block reader could use.
  walletCommitment: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 commitment: 64 lowercase hex digits'),
});
export type CustomerRequest = z.infer<typeof customerRequestSchema>;

/** The bank's answer: the one-time secret to enroll with. */
export const customerRegisteredSchema = z.strictObject({ enrollmentId: z.string(), enrollmentSecret: z.string().min(1) });

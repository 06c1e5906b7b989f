import { z } from 'zod';

/**
 * What a merchant's bank pays, from its own reserve, when it never proves a settlement it owed: a
 * late-settlement penalty in basis points of the price, on top of what the merchant was owed. A
 * channel setting; each order keeps the rate in force when it was proposed.
 */
export const compensationSchema = z.strictObject({
  penaltyBps: z.number().int().min(0).max(10_000),
});
export type CompensationPolicy = z.infer<typeof compensationSchema>;

export const defaultCompensation: CompensationPolicy = { penaltyBps: 100 };

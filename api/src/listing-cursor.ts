import { idPattern } from '@securepay/client';
import { z } from 'zod';

/** Where a page of the listing ended: the last order's creation time and id (the listing's sort key). */
export interface ListingCursor {
  createdAtMs: number;
  orderId: string;
}

const cursorFields = z.strictObject({
  t: z.number().int().min(0).max(8.64e15),
  o: z.string().regex(idPattern),
});

/** Opaque to callers: base64url of the sort key, so the next page starts strictly after it (keyset, not OFFSET). */
export function encodeCursor(cursor: ListingCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdAtMs, o: cursor.orderId }), 'utf8').toString('base64url');
}

/** A cursor as a caller sends it back; anything this API did not give out is a 400 that names the field. */
export const listingCursorSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'a cursor as a previous page returned it (next)')
  .transform((text, ctx): ListingCursor => {
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    } catch {
      fields = undefined;
    }
    const parsed = cursorFields.safeParse(fields);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: "not a cursor this API gave out: pass a previous page's next unchanged" });
      return z.NEVER;
    }
    return { createdAtMs: parsed.data.t, orderId: parsed.data.o };
  })
  .describe("the previous page's next: the page after it");

import { encodeCursor, listingCursorSchema } from './listing-cursor';
import { listQuery } from './schemas';

describe('the listing cursor', () => {
  it('round-trips the sort key it encodes', () => {
    const cursor = { createdAtMs: 1_700_000_000_123, orderId: 'o-abc_1' };
    expect(listingCursorSchema.parse(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['base64url of no JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of the wrong shape', Buffer.from(JSON.stringify({ t: 'yesterday', o: 'o-1' })).toString('base64url')],
    ['an order id the contract would not take', Buffer.from(JSON.stringify({ t: 1, o: 'o 1;--' })).toString('base64url')],
    ['an extra field', Buffer.from(JSON.stringify({ t: 1, o: 'o-1', offset: 5 })).toString('base64url')],
    ['a huge text', 'A'.repeat(500)],
  ])('refuses %s', (_name, text) => {
    expect(listingCursorSchema.safeParse(text).success).toBe(false);
  });
});

describe('the listing query', () => {
  it('takes a state, a party, a page size and a cursor, coercing the size', () => {
    const cursor = encodeCursor({ createdAtMs: 1, orderId: 'o-1' });
    expect(listQuery.parse({ state: 'SETTLED', mspId: 'BankAMSP', partyId: 'p0123', limit: '20', cursor })).toEqual({
      state: 'SETTLED',
      mspId: 'BankAMSP',
      partyId: 'p0123',
      limit: 20,
      cursor: { createdAtMs: 1, orderId: 'o-1' },
    });
  });

  it.each([
    ['a page of 0', { limit: '0' }, 'limit'],
    ['a page above the bound', { limit: '201' }, 'limit'],
    ['a page size that is no number', { limit: 'many' }, 'limit'],
    ['an unknown state', { state: 'LOST' }, 'state'],
    ['a party id without its MSP id', { partyId: 'p0123' }, 'partyId'],
    ['an MSP id without a party id', { mspId: 'BankAMSP' }, 'partyId'],
    ['a bad cursor', { cursor: 'nope' }, 'cursor'],
    ['an OFFSET', { offset: '50' }, ''],
  ])('refuses %s, naming the field', (_name, query, field) => {
    const result = listQuery.safeParse(query);
    expect(result.success).toBe(false);
    if (field) expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

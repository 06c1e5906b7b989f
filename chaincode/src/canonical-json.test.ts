import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('writes the same bytes whatever order keys were inserted in, at every depth', () => {
    const a = canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } });
    const b = canonicalJson({ a: { c: null, d: [{ y: 2, z: 1 }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });
});

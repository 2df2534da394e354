import { canonicalJson, chainHash, deriveChainKey, sequentialUuid, type ChainedFields } from './audit-chain';

describe('audit chain primitives', () => {
  it('serialises objects canonically whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('derives a chain key distinct from the encryption key and stable for it', () => {
    const k = Buffer.alloc(32, 1);
    const a = deriveChainKey(k);
    expect(a.key.equals(k)).toBe(false);
    expect(deriveChainKey(k)).toEqual(a);
    expect(deriveChainKey(Buffer.alloc(32, 2)).id).not.toBe(a.id);
  });

  it('changes the hash when any covered field changes', () => {
    const { key } = deriveChainKey(Buffer.alloc(32, 1));
    const base: ChainedFields = {
      seq: '1',
      id: 'x',
      at: '2026-01-01T00:00:00.000Z',
      actorType: 'system',
      actorId: 'tick',
      actorEmail: null,
      action: 'a',
      targetType: null,
      targetId: null,
      data: { n: 1 },
      prevHash: null,
    };
    const h = chainHash(key, base);
    expect(chainHash(key, { ...base, data: { n: 2 } })).not.toBe(h);
    expect(chainHash(key, { ...base, prevHash: 'ab' })).not.toBe(h);
    expect(chainHash(key, { ...base })).toBe(h);
  });

  it('builds ids that sort like their sequence numbers', () => {
    const ids = [1n, 2n, 15n, 16n, 255n, 4096n, 1n << 62n].map((s) => sequentialUuid(1_790_000_000_000, s));
    expect([...ids].sort()).toEqual(ids);
    expect(sequentialUuid(1_790_000_000_001, 1n) > sequentialUuid(1_790_000_000_000, 9n)).toBe(true);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

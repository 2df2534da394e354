import {
  canonicalJson,
  chainHash,
  ChainWalk,
  deriveChainKey,
  sequentialUuid,
  type ChainedFields,
} from './audit-chain';

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

  describe('ChainWalk', () => {
    const newest = deriveChainKey(Buffer.alloc(32, 3));
    const middle = deriveChainKey(Buffer.alloc(32, 2));
    const oldest = deriveChainKey(Buffer.alloc(32, 1));
    const keys = [newest, middle, oldest];

    function chain(keyOrder: (typeof newest)[]): { fields: ChainedFields; keyId: string; hash: string }[] {
      let prevHash: string | null = null;
      return keyOrder.map((k, i) => {
        const fields: ChainedFields = {
          seq: String(i + 1),
          id: `e${i}`,
          at: '2026-01-01T00:00:00.000Z',
          actorType: 'system',
          actorId: 'tick',
          actorEmail: null,
          action: 'a',
          targetType: null,
          targetId: null,
          data: { i },
          actorAuth: { via: 'system' },
          prevHash,
        };
        const hash = chainHash(k.key, fields);
        prevHash = hash;
        return { fields, keyId: k.id, hash };
      });
    }

    const walk = (events: ReturnType<typeof chain>, with_ = keys) => {
      const w = new ChainWalk(with_);
      return events.map((e) => w.step(e.fields, e.keyId, e.hash));
    };

    it('accepts a chain that moves from older keys to newer ones', () => {
      expect(walk(chain([oldest, oldest, middle, newest, newest]))).toEqual([null, null, null, null, null]);
    });

    it('flags the first event keyed with an older key after a newer one was used', () => {
      expect(walk(chain([oldest, newest, middle, newest]))).toEqual([null, null, 'key_went_back', null]);
    });

    it('flags an event whose key is not configured, a changed event and a broken link', () => {
      expect(walk(chain([oldest, newest]), [newest])).toEqual(['unknown_key', null]);
      const events = chain([newest, newest, newest]);
      events[1].fields = { ...events[1].fields, data: { i: 99 } };
      expect(walk(events)).toEqual([null, 'hash_mismatch', null]);
      const cut = chain([newest, newest, newest]);
      expect(walk([cut[0], cut[2]])).toEqual([null, 'chain_link']);
    });

    it('hashes events without actorAuth as before it existed', () => {
      const { key } = deriveChainKey(Buffer.alloc(32, 1));
      const [e] = chain([newest]);
      const { actorAuth: _dropped, ...legacy } = e.fields;
      expect(chainHash(key, { ...legacy, actorAuth: undefined })).toBe(chainHash(key, legacy));
      expect(chainHash(key, e.fields)).not.toBe(chainHash(key, legacy));
    });
  });
});

import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const k1 = Buffer.alloc(32, 1);
  const k2 = Buffer.alloc(32, 2);

  it('round-trips and never contains the plaintext', () => {
    const box = new SecretBox(k1);
    const sealed = box.seal('{"apiKey":"very-secret-key"}', 'conn-1');
    expect(sealed.toString('latin1')).not.toContain('very-secret-key');
    expect(box.open(sealed, 'conn-1')).toEqual({ plaintext: '{"apiKey":"very-secret-key"}', stale: false });
  });

  it('refuses to open a secret bound to another connection or tampered with', () => {
    const box = new SecretBox(k1);
    const sealed = box.seal('s3cret', 'conn-1');
    expect(() => box.open(sealed, 'conn-2')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => box.open(tampered, 'conn-1')).toThrow();
  });

  it('opens secrets sealed under the previous key and flags them stale', () => {
    const old = new SecretBox(k1).seal('s3cret', 'c');
    const rotated = new SecretBox(k2, [k1]);
    expect(rotated.open(old, 'c')).toEqual({ plaintext: 's3cret', stale: true });
    expect(() => new SecretBox(k2).open(old, 'c')).toThrow(/not configured/);
  });

  it('opens secrets sealed under any of several previous keys, newest first or not', () => {
    const k3 = Buffer.alloc(32, 3);
    const underK1 = new SecretBox(k1).seal('one', 'c');
    const underK2 = new SecretBox(k2).seal('two', 'c');
    const box = new SecretBox(k3, [k2, k1]);
    expect(box.open(underK1, 'c')).toEqual({ plaintext: 'one', stale: true });
    expect(box.open(underK2, 'c')).toEqual({ plaintext: 'two', stale: true });
    expect(box.open(box.seal('three', 'c'), 'c')).toEqual({ plaintext: 'three', stale: false });
    expect(() => new SecretBox(k3, [k2]).open(underK1, 'c')).toThrow(/not configured/);
  });
});

import { createPublicKey, verify } from 'node:crypto';
import {
  checkpointMessage,
  checkpointSignatureValid,
  deriveCheckpointKey,
  signCheckpoint,
} from './audit-checkpoint';
import { deriveChainKey } from './audit-chain';

describe('audit checkpoints', () => {
  const k1 = Buffer.alloc(32, 1);
  const k2 = Buffer.alloc(32, 2);
  const head = {
    seq: 42,
    headId: '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee',
    hash: 'ab'.repeat(32),
    count: 40,
    at: '2026-12-01T00:00:00.000Z',
  };

  it('derives the same Ed25519 key from the same ENCRYPTION_KEY and another from another', () => {
    const a = deriveCheckpointKey(k1);
    expect(deriveCheckpointKey(k1).publicKeyPem).toBe(a.publicKeyPem);
    expect(deriveCheckpointKey(k1).id).toBe(a.id);
    expect(deriveCheckpointKey(k2).id).not.toBe(a.id);
    expect(a.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(a.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    // Independent of the chain's HMAC key id, which also comes from ENCRYPTION_KEY.
    expect(a.id).not.toBe(deriveChainKey(k1).id);
  });

  it('signs checkpoints that verify offline with the published PEM alone', () => {
    const key = deriveCheckpointKey(k1);
    const cp = signCheckpoint(key, head);
    expect(cp.keyId).toBe(key.id);
    const pem = createPublicKey(key.publicKeyPem);
    expect(verify(null, checkpointMessage(cp), pem, Buffer.from(cp.signature, 'base64'))).toBe(true);
    expect(checkpointSignatureValid(pem, cp)).toBe(true);
  });

  it('refuses a checkpoint with any field changed, or checked against another key', () => {
    const key = deriveCheckpointKey(k1);
    const cp = signCheckpoint(key, head);
    for (const changed of [
      { ...cp, seq: 41 },
      { ...cp, count: 41 },
      { ...cp, hash: 'cd'.repeat(32) },
      { ...cp, headId: null },
      { ...cp, at: '2026-12-01T00:00:01.000Z' },
      { ...cp, keyId: 'someoneelse' },
      { ...cp, signature: 'AAAA' },
    ]) {
      expect(checkpointSignatureValid(key.publicKey, changed)).toBe(false);
    }
    expect(checkpointSignatureValid(deriveCheckpointKey(k2).publicKey, cp)).toBe(false);
  });
});

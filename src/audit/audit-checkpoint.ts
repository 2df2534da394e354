import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { canonicalJson } from './audit-chain';

/** The chain's head as an auditor keeps it outside jumpgate (API.md "Provisioning and audit"). */
export interface Checkpoint {
  seq: number;
  headId: string | null;
  hash: string | null;
  count: number;
  at: string;
  keyId: string;
  /** Base64 Ed25519 signature of `checkpointMessage(...)`. */
  signature: string;
}

export interface CheckpointKey {
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

// An Ed25519 private key in PKCS#8 DER is this fixed prefix followed by the 32-byte seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The checkpoint signing key, derived from ENCRYPTION_KEY (HKDF with a label of its own, so it is
 * independent of the chain's HMAC key and of the secrets' key): every process and every restart signs
 * with the same key without storing one more secret. Its id is taken from the public key, so an
 * auditor can match a checkpoint to a published key without trusting jumpgate's word.
 */
export function deriveCheckpointKey(encryptionKey: Buffer): CheckpointKey {
  const seed = Buffer.from(
    hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'jumpgate audit checkpoint v1', 32),
  );
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    id: createHash('sha256').update(spki).digest('hex').slice(0, 16),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The exact bytes a checkpoint's signature covers: every field but the signature, canonically. */
export function checkpointMessage(cp: Omit<Checkpoint, 'signature'>): Buffer {
  const { seq, headId, hash, count, at, keyId } = cp;
  return Buffer.from(
    `jumpgate audit checkpoint v1\n${canonicalJson({ seq, headId, hash, count, at, keyId })}`,
    'utf8',
  );
}

export function signCheckpoint(key: CheckpointKey, cp: Omit<Checkpoint, 'keyId' | 'signature'>): Checkpoint {
  const unsigned = { ...cp, keyId: key.id };
  return {
    ...unsigned,
    signature: sign(null, checkpointMessage(unsigned), key.privateKey).toString('base64'),
  };
}

/** True when the signature is the given key's over the checkpoint's fields as given. */
export function checkpointSignatureValid(publicKey: KeyObject, cp: Checkpoint): boolean {
  const signature = Buffer.from(cp.signature, 'base64');
  if (signature.length !== 64) return false;
  return verify(null, checkpointMessage(cp), publicKey, signature);
}

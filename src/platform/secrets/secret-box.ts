import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface SealingKey {
  id: Buffer;
  key: Buffer;
}

function deriveKey(encryptionKey: Buffer): SealingKey {
  // A key of its own, derived from ENCRYPTION_KEY, so the audit chain and the secrets never share one.
  const key = Buffer.from(
    hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'jumpgate connection secrets v1', 32),
  );
  return { id: createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES), key };
}

/**
 * AES-256-GCM with the owner's id as associated data, so a sealed secret copied onto another row
 * does not open. The sealed form names its key, so every key of ENCRYPTION_KEY_PREVIOUS can still open
 * old rows until `npm run reseal` has sealed them all again under ENCRYPTION_KEY.
 */
export class SecretBox {
  private readonly current: SealingKey;
  private readonly previous: SealingKey[];

  constructor(encryptionKey: Buffer, previousKeys: readonly Buffer[] = []) {
    this.current = deriveKey(encryptionKey);
    this.previous = previousKeys.map(deriveKey);
  }

  seal(plaintext: string, boundTo: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), this.current.id, iv, cipher.getAuthTag(), body]);
  }

  /** Opens a sealed secret; `stale` says it was sealed under a previous key and should be resealed. */
  open(sealed: Buffer, boundTo: string): { plaintext: string; stale: boolean } {
    if (sealed.length < 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new Error('sealed secret has an unknown format');
    }
    const keyId = sealed.subarray(1, 1 + KEY_ID_BYTES);
    const key = [this.current, ...this.previous].find((k) => k.id.equals(keyId));
    if (!key) throw new Error('sealed secret was made with a key that is not configured');
    const iv = sealed.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
    const tag = sealed.subarray(1 + KEY_ID_BYTES + IV_BYTES, 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(tag);
    const body = sealed.subarray(1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES);
    const plaintext = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    return { plaintext, stale: key !== this.current };
  }
}

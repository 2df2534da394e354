import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// `jgt_` makes a leaked token recognisable (and redactable); 32 random bytes make guessing hopeless,
// so a plain SHA-256 is the right stored form (no slow hash needed for a high-entropy secret).
export const TOKEN_PREFIX = 'jgt_';

export function generateToken(): { token: string; prefix: string; hash: Buffer } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, prefix: token.slice(0, TOKEN_PREFIX.length + 8), hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hashToken(a), hashToken(b));
}

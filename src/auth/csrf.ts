import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Keys for sign-in derived from ENCRYPTION_KEY with HKDF, one per purpose, so no cookie is ever
 * sealed or signed with the key that encrypts stored secrets or keys the audit chain.
 */
export interface SignInKeys {
  csrf: Buffer;
  loginState: Buffer;
}

export function deriveSignInKeys(encryptionKey: Buffer): SignInKeys {
  const derive = (info: string): Buffer =>
    Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), info, 32));
  return { csrf: derive('jumpgate session csrf v1'), loginState: derive('jumpgate sign-in state v1') };
}

/** The `jg_csrf` value: an HMAC of the session secret, so a cookie planted by another site cannot match. */
export function csrfTokenFor(key: Buffer, sessionSecret: string): string {
  return createHmac('sha256', key).update(sessionSecret, 'utf8').digest('base64url');
}

/** Constant-time check of the X-CSRF-Token header against the session's own token. */
export function csrfTokenMatches(key: Buffer, sessionSecret: string, header: unknown): boolean {
  if (typeof header !== 'string' || header.length > 200) return false;
  const expected = Buffer.from(csrfTokenFor(key, sessionSecret), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The cookie-authenticated write rule of API.md: the header must carry the session's token, and an
 * Origin, when the browser sends one, must be PUBLIC_URL's origin.
 */
export function csrfRefusal(
  key: Buffer,
  sessionSecret: string,
  headers: { 'x-csrf-token'?: unknown; origin?: unknown },
  publicOrigin: string,
): string | null {
  if (!csrfTokenMatches(key, sessionSecret, headers['x-csrf-token'])) {
    return 'A write made with the session cookie must send the X-CSRF-Token header (the jg_csrf cookie)';
  }
  if (headers.origin !== undefined && headers.origin !== publicOrigin) {
    return 'The request comes from another origin than PUBLIC_URL';
  }
  return null;
}

/**
 * Seals a value with AES-256-GCM: the login-state cookie (state, nonce, PKCE verifier, returnTo) can
 * be neither read nor forged by the browser holding it; `purpose` is bound in as associated data.
 */
export function seal(key: Buffer, purpose: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The sealed value, or null when it was tampered with, sealed for another purpose, or is not ours. */
export function unseal(key: Buffer, purpose: string, sealed: string): unknown {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 29 || raw.length > 4096) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

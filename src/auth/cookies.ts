/** The cookies of API.md "Sign-in and sessions". */
export const SESSION_COOKIE = 'jg_session';
export const CSRF_COOKIE = 'jg_csrf';
/** Short-lived, HttpOnly: the state, nonce and PKCE verifier of one sign-in, sealed. */
export const LOGIN_COOKIE = 'jg_login';

/** Reads one cookie from a Cookie header (no dependency needed for a name=value list). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? null : value;
    }
  }
  return null;
}

export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. Absent: a browser-session cookie. */
  maxAge?: number;
  path?: string;
}

/** One Set-Cookie value; values here are base64url, so nothing needs escaping. */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`, 'SameSite=Lax'];
  if (o.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAge))}`);
  if (o.httpOnly) parts.push('HttpOnly');
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

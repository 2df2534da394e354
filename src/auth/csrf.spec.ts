import { readCookie, serializeCookie } from './cookies';
import { csrfRefusal, csrfTokenFor, csrfTokenMatches, deriveSignInKeys, seal, unseal } from './csrf';

const keys = deriveSignInKeys(Buffer.alloc(32, 9));

describe('sign-in keys, CSRF tokens and sealed cookies', () => {
  it('derives distinct keys per purpose, never the encryption key itself', () => {
    expect(keys.csrf.equals(keys.loginState)).toBe(false);
    expect(keys.csrf.equals(Buffer.alloc(32, 9))).toBe(false);
    expect(deriveSignInKeys(Buffer.alloc(32, 9)).csrf.equals(keys.csrf)).toBe(true);
  });

  it('accepts only the token of this session', () => {
    const token = csrfTokenFor(keys.csrf, 'secret-a');
    expect(csrfTokenMatches(keys.csrf, 'secret-a', token)).toBe(true);
    expect(csrfTokenMatches(keys.csrf, 'secret-b', token)).toBe(false);
    expect(csrfTokenMatches(keys.csrf, 'secret-a', token.slice(1))).toBe(false);
    expect(csrfTokenMatches(keys.csrf, 'secret-a', undefined)).toBe(false);
    expect(csrfTokenMatches(deriveSignInKeys(Buffer.alloc(32, 1)).csrf, 'secret-a', token)).toBe(false);
  });

  it('refuses a foreign Origin even with the right token; no Origin is fine', () => {
    const token = csrfTokenFor(keys.csrf, 's');
    const origin = 'https://jumpgate.example.com';
    expect(csrfRefusal(keys.csrf, 's', { 'x-csrf-token': token }, origin)).toBeNull();
    expect(csrfRefusal(keys.csrf, 's', { 'x-csrf-token': token, origin }, origin)).toBeNull();
    expect(
      csrfRefusal(keys.csrf, 's', { 'x-csrf-token': token, origin: 'https://evil.example' }, origin),
    ).toMatch(/origin/);
    expect(csrfRefusal(keys.csrf, 's', {}, origin)).toMatch(/X-CSRF-Token/);
  });

  it('opens a sealed value only with the same key and purpose, and not after tampering', () => {
    const sealed = seal(keys.loginState, 'login', { state: 'x', returnTo: '/r' });
    expect(unseal(keys.loginState, 'login', sealed)).toEqual({ state: 'x', returnTo: '/r' });
    expect(unseal(keys.loginState, 'other', sealed)).toBeNull();
    expect(unseal(keys.csrf, 'login', sealed)).toBeNull();
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(unseal(keys.loginState, 'login', raw.toString('base64url'))).toBeNull();
    expect(unseal(keys.loginState, 'login', 'not-sealed')).toBeNull();
  });

  it('reads and writes cookies', () => {
    expect(readCookie('a=1; jg_session=abc; b=2', 'jg_session')).toBe('abc');
    expect(readCookie('xjg_session=abc', 'jg_session')).toBeNull();
    expect(readCookie(undefined, 'jg_session')).toBeNull();
    expect(serializeCookie('jg_session', 'v', { httpOnly: true, secure: true, maxAge: 60 })).toBe(
      'jg_session=v; Path=/; SameSite=Lax; Max-Age=60; HttpOnly; Secure',
    );
  });
});

/** The readable `jg_csrf` cookie that sign-in sets beside the HttpOnly session cookie. */
export const CSRF_COOKIE = 'jg_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export function readCookie(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Reads never change anything, so only writes carry the token (API.md "Sign-in and sessions"). */
export function needsCsrf(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** Where a 401 sends the browser: sign-in, coming back to the page the person was on. */
export function signInUrl(currentPath: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(currentPath)}`;
}

import { type Browser } from 'playwright-core';
import { type TestPrincipal } from '../../../test/helpers/principals';
import { DESKTOP, openPage, type WatchedPage } from './browser';

/**
 * A browser acting as `who`. Until the sign-in issue's sessions land on main, the browser presents the
 * principal's bearer token on every request (the server treats it as that principal, as it would a
 * session); the pages themselves only ever use cookies and the CSRF header.
 */
export function browserAs(
  browser: Browser,
  baseURL: string,
  who: TestPrincipal,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<WatchedPage> {
  return openPage(browser, baseURL, {
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme,
    headers: { authorization: `Bearer ${who.token}` },
  });
}

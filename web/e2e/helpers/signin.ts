import { type Browser } from 'playwright-core';
import { type Person, type SignInOrg } from '../../../test/helpers/signin';
import { DESKTOP, openPage, type WatchedPage } from './browser';

/** What Chromium logs for each 401 the signed-out app receives (its /me probe) before it sends the person on. */
const UNAUTHORIZED = /^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/;

/**
 * A browser context in which `who` signed in through the provider's login form: it opens `path`
 * signed out, follows the app to the provider, fills the form and waits to be back on `path`.
 * The 401 console errors logged while signed out are expected and dropped; any other problem stays.
 */
export async function signInInBrowser(
  browser: Browser,
  org: SignInOrg,
  who: Person,
  path = '/',
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, org.t.url, {
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme,
  });
  const { page, problems } = watched;
  await page.goto(path);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(org.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const target = new URL(path, org.t.url);
  await page
    .waitForURL((u) => u.origin === target.origin && u.pathname === target.pathname, { timeout: 15_000 })
    .catch((e: Error) => {
      throw new Error(`sign-in of ${who.email}: ${e.message}; at ${page.url()}; ${problems.join(' | ')}`);
    });
  const unexpected = problems.filter((p) => !UNAUTHORIZED.test(p));
  problems.splice(0, problems.length, ...unexpected);
  return watched;
}

import { type Browser, type Page } from 'playwright-core';
import {
  type BrowserResult,
  type Person,
  type SignInOrg,
  startSignInOrg,
  stopSignInOrg,
} from '../../../test/helpers/signin';
import { BOOTSTRAP_TOKEN } from '../../../test/helpers/principals';
import { launchBrowser, seriousA11yViolations, type WatchedPage } from './browser';
import { signInInBrowser } from './signin';

/** What every browser spec runs against: the sign-in organisation (server, emulator, OpenID provider) and Chromium. */
export interface World {
  org: SignInOrg;
  browser: Browser;
}

/**
 * Starts the world for the describe block it is called in (beforeAll) and stops what started
 * (afterAll), even when only part of it came up. Read the fields inside tests and hooks.
 */
export function useWorld(opts: Parameters<typeof startSignInOrg>[0]): World {
  const world = {} as World;
  beforeAll(async () => {
    const [org, browser] = await Promise.allSettled([startSignInOrg(opts), launchBrowser()]);
    if (org.status === 'fulfilled') world.org = org.value;
    if (browser.status === 'fulfilled') world.browser = browser.value;
    if (org.status === 'rejected') throw org.reason;
    if (browser.status === 'rejected') throw browser.reason;
  });
  afterAll(async () => {
    await world.browser?.close();
    await stopSignInOrg(world.org ?? {});
  });
  return world;
}

/**
 * `who` signs in at the provider in a fresh browser context that opens on `path`; `fn` runs with the
 * page, and the context is closed whatever happens.
 */
export async function asPerson<T>(
  w: World,
  who: Person,
  path: string,
  fn: (p: WatchedPage) => Promise<T>,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<T> {
  const watched = await signInInBrowser(w.browser, w.org, who, path, options);
  try {
    return await fn(watched);
  } finally {
    await watched.context.close();
  }
}

/** The API as the bootstrap admin (reads what the server holds; sets up what a spec needs). */
export async function asBootstrap(
  w: World,
  method: string,
  path: string,
  body?: unknown,
): Promise<BrowserResult> {
  const res = await w.org.t.request<unknown>(method, path, { token: BOOTSTRAP_TOKEN, body });
  return { status: res.status, body: res.body };
}

/**
 * The principal of a person of the directory, created ahead of their first sign-in (which binds it) so
 * that a campaign or policy can name them; its id.
 */
export async function principalFor(w: World, who: Person, displayName?: string): Promise<string> {
  const res = await asBootstrap(w, 'POST', '/api/v1/principals', { email: who.email, displayName });
  if (res.status !== 201)
    throw new Error(`create principal ${who.email}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

/** The signed-in page's own API call (session cookie and CSRF header, as the app sends them). */
export async function fromPage(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<BrowserResult> {
  const cookies = await page.context().cookies();
  const csrf = cookies.find((c) => c.name === 'jg_csrf')?.value ?? '';
  const res = await page.request.fetch(path, {
    method,
    headers: method === 'GET' ? {} : { 'x-csrf-token': csrf },
    data: body === undefined ? undefined : body,
  });
  const text = await res.text();
  const json = (res.headers()['content-type'] ?? '').includes('json');
  return { status: res.status(), body: text && json ? (JSON.parse(text) as unknown) : text };
}

/**
 * A person without the role is told "you may not" on each of `paths`, and the app asked nothing of
 * the API under `apiPrefixes` for it.
 */
export async function expectRefused(page: Page, paths: string[], apiPrefixes: string[]): Promise<void> {
  const asked: string[] = [];
  const listener = (r: { url(): string }) => asked.push(new URL(r.url()).pathname);
  page.on('request', listener);
  try {
    for (const path of paths) {
      await page.goto(path);
      await page.getByRole('alert').getByText('You may not open this page').waitFor();
    }
    expect(asked.filter((p) => apiPrefixes.some((prefix) => p.startsWith(prefix)))).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
  } finally {
    page.off('request', listener);
  }
}

/** Picks `option` in the Mantine select labelled `label`. */
export async function choose(page: Page, label: string, option: string): Promise<void> {
  await page
    .getByRole('textbox', { name: label })
    .or(page.getByRole('combobox', { name: label }))
    .first()
    .click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

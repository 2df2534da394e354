import { type Browser } from 'playwright-core';
import { startApp, type TestApp } from '../../test/helpers/app';
import {
  DESKTOP,
  launchBrowser,
  openPage,
  PHONE,
  screenshot,
  seriousA11yViolations,
} from './helpers/browser';

jest.setTimeout(90_000);

describe('the web app shell in a real browser', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startApp({ APP_ROLE: 'api' }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it.each([
    ['desktop, light', DESKTOP, 'light'],
    ['phone, dark', PHONE, 'dark'],
  ] as const)(
    '/signin-error explains the code in plain words (%s), accessibly, under the CSP',
    async (label, viewport, colorScheme) => {
      const { page, context, problems } = await openPage(browser, t.url, { viewport, colorScheme });
      try {
        await page.goto('/signin-error?code=no_account');
        await page
          .getByRole('heading', { level: 1, name: 'No active directory account has your email' })
          .waitFor();
        expect(await page.getByText('What to do:').isVisible()).toBe(true);
        expect(await page.getByRole('link', { name: 'Sign in again' }).getAttribute('href')).toBe(
          '/auth/login?returnTo=%2F',
        );
        // The system's preference picks Mantine's scheme.
        expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe(colorScheme);
        expect(await seriousA11yViolations(page)).toEqual([]);
        expect(problems).toEqual([]);
        if (label === 'desktop, light') await screenshot(page, 'signin-error');
      } finally {
        await context.close();
      }
    },
  );

  it('sends a signed-out visitor of an app page to sign-in, coming back to that page', async () => {
    const { page, context } = await openPage(browser, t.url);
    try {
      // Sign-in is not configured on this server, so /auth/login answers 404; the address is what counts.
      await page.goto('/reviews?campaignId=abc');
      await page.waitForURL((u) => u.pathname === '/auth/login');
      expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/reviews?campaignId=abc');
    } finally {
      await context.close();
    }
  });
});

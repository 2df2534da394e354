import { type Browser } from 'playwright-core';
import { startApp, type TestApp } from '../../test/helpers/app';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../../test/helpers/principals';
import { launchBrowser, seriousA11yViolations } from './helpers/browser';
import { browserAs } from './helpers/people';

jest.setTimeout(90_000);

describe('navigation and admin pages by role', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startApp({ APP_ROLE: 'api', BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a person without roles sees no administration and cannot open its pages', async () => {
    const nobody = await createPrincipal(t);
    const { page, context, problems } = await browserAs(browser, t.url, nobody);
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      await page.goto('/approvals');
      await page.getByTestId('approvals-empty').waitFor();
      expect(await page.getByText('Administration').count()).toBe(0);
      await page.goto('/admin/operations?status=failed');
      await page.getByRole('alert').getByText('You may not open this page').waitFor();
      expect(asked.filter((p) => p.startsWith('/api/v1/provisioning-operations'))).toEqual([]);
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it.each(['auditor', 'admin'] as const)(
    'an %s finds the administration pages in the navigation',
    async (role) => {
      const who = await createPrincipal(t, { roles: [role] });
      const { page, context, problems } = await browserAs(browser, t.url, who);
      try {
        await page.goto('/reviews');
        await page.getByRole('link', { name: 'Provisioning operations' }).first().click();
        await page.waitForURL((u) => u.pathname === '/admin/operations');
        await page.getByTestId('operations-empty').getByText('No failed operation.').waitFor();
        expect(await seriousA11yViolations(page)).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});

import { type Browser } from 'playwright-core';
import { type SignInOrg, startSignInOrg, stopSignInOrg } from '../../test/helpers/signin';
import { launchBrowser, seriousA11yViolations } from './helpers/browser';
import { signInInBrowser } from './helpers/signin';

jest.setTimeout(90_000);

describe('navigation and admin pages by role', () => {
  let org: SignInOrg;
  let browser: Browser;

  // People sign in at the provider; their roles come from the directory groups in ADMIN_GROUPS / AUDITOR_GROUPS.
  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({ names: ['nobody'], auditors: ['auditor'], admins: ['admin'] }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it('a person without roles sees no administration and cannot open its pages', async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.nobody, '/approvals');
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
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
    'an %s finds the administration pages in the navigation; only an admin is offered New campaign',
    async (role) => {
      const { page, context, problems } = await signInInBrowser(browser, org, org.people[role], '/reviews');
      try {
        await page.getByRole('link', { name: 'Provisioning operations' }).first().click();
        await page.waitForURL((u) => u.pathname === '/admin/operations');
        await page.getByTestId('operations-empty').getByText('No failed operation.').waitFor();
        // Reading is the auditor's whole role: the campaigns page offers them no control to start one.
        await page.goto('/admin/campaigns');
        await page.getByTestId('campaigns-empty').waitFor();
        expect(await page.getByRole('button', { name: 'New campaign' }).count()).toBe(
          role === 'admin' ? 1 : 0,
        );
        expect(await seriousA11yViolations(page)).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});

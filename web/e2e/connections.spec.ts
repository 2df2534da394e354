import { screenshot, seriousA11yViolations } from './helpers/browser';
import { asBootstrap, asPerson, expectRefused, useWorld } from './helpers/world';

jest.setTimeout(150_000);

describe('admin connection pages in a real browser', () => {
  // The sign-in world has its own connection already; the admin adds a second one to the same
  // organisation through the pages.
  const w = useWorld({ names: ['nobody'], admins: ['admin'], auditors: ['auditor'] });
  let connectionId: string;
  const named = async (name: string) =>
    ((await asBootstrap(w, 'GET', '/api/v1/connections')).body as { items: { name: string }[] }).items.filter(
      (c) => c.name === name,
    );

  it('an admin tests credentials before saving, sees the precise refusal, saves, syncs now and sees the run', async () => {
    const c = w.org.emu.credentials;
    await asPerson(w, w.org.people.admin, '/admin/connections', async ({ page, problems }) => {
      await page.getByTestId('connection-row').first().waitFor();
      await page.getByRole('button', { name: 'New connection' }).click();
      await page.getByRole('textbox', { name: 'Name' }).fill('Production org');
      await page.getByRole('textbox', { name: 'Organisation id' }).fill(c.orgId);
      await page.getByRole('textbox', { name: 'Client id' }).fill(c.clientId);
      await page.getByLabel('Client secret').fill('not-the-secret');
      await page.getByRole('button', { name: 'Test connection' }).click();
      const result = page.getByTestId('connection-test');
      await result.getByText('The test failed: bad_credentials').waitFor();
      expect(await page.getByRole('button', { name: 'Save connection' }).isDisabled()).toBe(true);
      expect(await named('Production org')).toEqual([]);
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByLabel('Client secret').fill(c.clientSecret);
      // The earlier result no longer applies to the changed form.
      expect(await result.count()).toBe(0);
      await page.getByRole('button', { name: 'Test connection' }).click();
      await result.getByText('The credentials work').waitFor();
      await screenshot(page, 'admin-connection-create');
      await page.getByRole('button', { name: 'Save connection' }).click();
      await page.waitForURL(/\/admin\/connections\/[0-9a-f-]{36}$/);
      connectionId = page.url().split('/').pop()!;
      await page.getByTestId('syncs-empty').waitFor();

      await page.getByRole('button', { name: 'Sync now' }).click();
      const row = page.getByTestId('sync-row').first();
      await row.getByText('succeeded').waitFor({ timeout: 60_000 });
      const runs = (await asBootstrap(w, 'GET', `/api/v1/connections/${connectionId}/syncs`)).body.items as {
        status: string;
        stats: { users: number; groups: number; memberships: number };
      }[];
      expect(runs).toHaveLength(1);
      const s = runs[0].stats;
      expect(s.users).toBeGreaterThan(0);
      await row
        .getByText(`${s.users} users, ${s.groups} groups, ${s.memberships} memberships`, { exact: false })
        .waitFor();
      // The connection itself shows the sync it just had.
      await page.getByTestId('fact-Last sync').getByText(/\d{4}/).waitFor();
      // The secret is nowhere on the page.
      expect(await page.content()).not.toContain(c.clientSecret);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-connection');
      expect(problems).toEqual([]);
    });
  });

  it('an auditor sees the connection and its runs without any control', async () => {
    await asPerson(w, w.org.people.auditor, '/admin/connections', async ({ page, problems }) => {
      await page.getByTestId('connection-row').getByRole('link', { name: 'Production org' }).click();
      await page.getByTestId('sync-row').first().getByText('succeeded').waitFor();
      for (const name of ['Sync now', 'New connection']) {
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      }
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    });
  });

  it('refuses the connection pages to a person without roles and fetches nothing', async () => {
    await asPerson(w, w.org.people.nobody, '/reviews', ({ page }) =>
      expectRefused(
        page,
        ['/admin/connections', `/admin/connections/${connectionId}`],
        ['/api/v1/connections'],
      ),
    );
  });
});

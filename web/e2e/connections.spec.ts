import { type Browser } from 'playwright-core';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../../test/helpers/app';
import { startEmulatedApp, stopEmulatedOrg } from '../../test/helpers/org';
import { createPrincipal, type TestPrincipal } from '../../test/helpers/principals';
import { launchBrowser, screenshot, seriousA11yViolations } from './helpers/browser';
import { browserAs } from './helpers/people';

jest.setTimeout(150_000);

describe('admin connection pages in a real browser', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let browser: Browser;
  let admin: TestPrincipal;
  let connectionId: string;

  beforeAll(async () => {
    [{ emu, t, db }, browser] = await Promise.all([
      startEmulatedApp({
        seed: 53,
        sizes: { users: 30, groups: 6, membershipsPerUser: 2, admins: 1, apps: 2 },
      }),
      launchBrowser(),
    ]);
    admin = await createPrincipal(t, { roles: ['admin'] });
  });
  afterAll(async () => {
    await browser?.close();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('an admin tests credentials before saving, sees the precise refusal, saves, syncs now and sees the run', async () => {
    const c = emu.credentials;
    const { page, context, problems } = await browserAs(browser, t.url, admin);
    try {
      await page.goto('/admin/connections');
      await page.getByTestId('connections-empty').waitFor();
      await page.getByRole('button', { name: 'New connection' }).click();
      await page.getByRole('textbox', { name: 'Name' }).fill('Production org');
      await page.getByRole('textbox', { name: 'Organisation id' }).fill(c.orgId);
      await page.getByRole('textbox', { name: 'Client id' }).fill(c.clientId);
      await page.getByLabel('Client secret').fill('not-the-secret');
      await page.getByRole('button', { name: 'Test connection' }).click();
      const result = page.getByTestId('connection-test');
      await result.getByText('The test failed: bad_credentials').waitFor();
      expect(await page.getByRole('button', { name: 'Save connection' }).isDisabled()).toBe(true);
      expect((await t.request('GET', '/api/v1/connections', { token: admin.token })).body.items).toEqual([]);
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
      const runs = (
        await t.request('GET', `/api/v1/connections/${connectionId}/syncs`, { token: admin.token })
      ).body.items as { status: string; stats: { users: number; groups: number; memberships: number } }[];
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
    } finally {
      await context.close();
    }
  });

  it('an auditor sees the connection and its runs without any control', async () => {
    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    const { page, context, problems } = await browserAs(browser, t.url, auditor);
    try {
      await page.goto('/admin/connections');
      await page.getByTestId('connection-row').getByRole('link', { name: 'Production org' }).click();
      await page.getByTestId('sync-row').first().getByText('succeeded').waitFor();
      for (const name of ['Sync now', 'New connection']) {
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      }
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses the connection pages to a person without roles and fetches nothing', async () => {
    const nobody = await createPrincipal(t);
    const { page, context } = await browserAs(browser, t.url, nobody);
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      for (const path of ['/admin/connections', `/admin/connections/${connectionId}`]) {
        await page.goto(path);
        await page.getByRole('alert').getByText('You may not open this page').waitFor();
      }
      expect(asked.filter((p) => p.startsWith('/api/v1/connections'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

import { type Browser, type Page } from 'playwright-core';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../../test/helpers/app';
import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../../test/helpers/campaigns';
import {
  groupMembers,
  localId,
  staticGroups,
  startEmulatedOrg,
  stopEmulatedOrg,
} from '../../test/helpers/org';
import { createPrincipal, type TestPrincipal } from '../../test/helpers/principals';
import { launchBrowser, PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { browserAs } from './helpers/people';

jest.setTimeout(150_000);

/** Picks `option` in the Mantine select labelled `label`. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  await page
    .getByRole('textbox', { name: label })
    .or(page.getByRole('combobox', { name: label }))
    .first()
    .click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('admin campaign pages in a real browser', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let browser: Browser;
  let admin: TestPrincipal;
  let reviewer: TestPrincipal;
  let auditor: TestPrincipal;
  let groups: { name: string; members: number }[];

  beforeAll(async () => {
    [{ emu, t, db, connectionId }, browser] = await Promise.all([
      startEmulatedOrg({
        seed: 47,
        sizes: { users: 40, groups: 8, membershipsPerUser: 2, admins: 2, apps: 3 },
      }),
      launchBrowser(),
    ]);
    admin = await createPrincipal(t, { roles: ['admin'], displayName: 'Ada Admin' });
    reviewer = await createPrincipal(t, { displayName: 'Rita Reviewer' });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    groups = staticGroups(emu, 3)
      .slice(0, 2)
      .map((g) => ({ name: g.name, members: groupMembers(emu, g).length }));
  });
  afterAll(async () => {
    await browser?.close();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('an admin previews the scope, creates and launches a campaign, sees progress, closes it and gets report.csv', async () => {
    const expected = groups[0].members + groups[1].members;
    const { page, context, problems } = await browserAs(browser, t.url, admin);
    try {
      await page.goto('/admin/campaigns');
      await page.getByTestId('campaigns-empty').waitFor();
      await page.getByRole('button', { name: 'New campaign' }).click();
      // Nothing filled in: the form says what is missing and nothing can be sent.
      await page.getByTestId('form-problems').getByText('Choose a connection.').waitFor();
      expect(await page.getByRole('button', { name: 'Preview scope' }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Create campaign' }).isDisabled()).toBe(true);

      await choose(page, 'Connection', 'Emulated org');
      await page.getByRole('textbox', { name: 'Name' }).fill('Q4 engineering review');
      for (const g of groups) await choose(page, 'Groups in scope', g.name);
      await page.keyboard.press('Escape');
      await choose(page, 'Reviewers', 'Named reviewers (whole groups each)');
      await choose(page, 'Named reviewers', `Rita Reviewer <${reviewer.email}>`);
      await page.keyboard.press('Escape');
      await choose(page, 'Fallback reviewer', `Ada Admin <${admin.email}>`);

      await page.getByRole('button', { name: 'Preview scope' }).click();
      const preview = page.getByTestId('scope-preview');
      await preview
        .getByText(`${expected} items in 2 groups, 1 reviewers, 0 to the fallback reviewer`)
        .waitFor();
      await preview.getByText(`Rita Reviewer: ${expected} items`).waitFor();
      // The preview created nothing.
      expect((await t.request('GET', '/api/v1/campaigns', { token: admin.token })).body.items).toEqual([]);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-campaign-create');

      // A change after the preview asks for a new one before saving.
      await page.getByRole('textbox', { name: 'Name' }).fill('Q4 engineering review ');
      await page.getByRole('textbox', { name: 'Name' }).fill('Q4 engineering review!');
      expect(await page.getByRole('button', { name: 'Create campaign' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Preview scope' }).click();
      await preview.waitFor();
      await page.getByRole('button', { name: 'Create campaign' }).click();

      await page.waitForURL(/\/admin\/campaigns\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      await page.getByTestId('campaign-status').getByText('draft').waitFor();
      const saved = (await t.request('GET', `/api/v1/campaigns/${id}`, { token: admin.token })).body;
      expect(saved).toMatchObject({
        name: 'Q4 engineering review!',
        connectionId,
        reviewerStrategy: 'named',
        reviewerIds: [reviewer.id],
        fallbackReviewerIds: [admin.id],
      });
      expect(saved.scope.groupIds).toHaveLength(2);

      await page.getByRole('button', { name: 'Launch' }).click();
      await page.getByTestId('campaign-status').getByText('active').waitFor({ timeout: 30_000 });
      const bar = page.getByTestId('progress-bar').filter({ hasText: 'Rita Reviewer' });
      await bar.getByText(`0 of ${expected} decided (0 %)`).waitFor();

      // The reviewer decides two items; the chart shows them (by reviewer, then by group).
      const items = await campaignItems(t, admin.token, id);
      expect(items).toHaveLength(expected);
      const decided = await t.request('POST', '/api/v1/reviews/decisions', {
        token: reviewer.token,
        body: {
          decisions: [
            { itemId: items[0].id, decision: 'keep' },
            { itemId: items[1].id, decision: 'revoke', justification: 'Moved to sales' },
          ],
        },
      });
      expect(decided.body).toMatchObject({ applied: 2, rejected: [] });
      await page.reload();
      await bar
        .getByText(
          `2 of ${expected} decided (${Math.floor(200 / expected)} %): 1 kept, 1 revoked, ${expected - 2} pending`,
        )
        .waitFor();
      // The drawn bar is as long as the share it says (the track is the whole).
      const [track, filled] = await Promise.all([
        bar.locator('[aria-hidden="true"]').boundingBox(),
        bar.locator('[aria-hidden="true"] > div').boundingBox(),
      ]);
      expect(filled!.width / track!.width).toBeCloseTo(Math.floor(200 / expected) / 100, 2);
      await page.getByText('By group').click();
      await page.waitForURL(/by=group/);
      const byGroup = page.getByTestId('progress-bar');
      await byGroup.filter({ hasText: groups[0].name }).waitFor();
      expect(await byGroup.count()).toBe(2);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-campaign');

      await page.getByRole('button', { name: 'Close now' }).click();
      await page.getByTestId('campaign-status').getByText('closed').waitFor({ timeout: 30_000 });
      expect(await page.getByRole('button', { name: 'Close now' }).count()).toBe(0);

      const href = await page.getByRole('link', { name: 'Download report.csv' }).getAttribute('href');
      expect(href).toBe(`/api/v1/campaigns/${id}/report.csv`);
      const report = await page.request.get(href!);
      expect(report.status()).toBe(200);
      expect(report.headers()['content-type']).toMatch(/^text\/csv/);
      const lines = (await report.text()).trim().split('\n');
      expect(lines).toHaveLength(expected + 1);
      expect(lines.filter((l) => l.includes('Moved to sales'))).toHaveLength(1);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a 409 as what conflicts when the campaign was closed elsewhere', async () => {
    const groupIds = [await localId(db, connectionId, 'directory_groups', staticGroups(emu, 3)[2].id)];
    const c = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, admin.id, {
        name: 'Closed elsewhere',
        scope: { groupIds },
        reviewerIds: [reviewer.id],
      }),
    );
    const { page, context } = await browserAs(browser, t.url, admin);
    try {
      await page.goto(`/admin/campaigns/${c.id}`);
      await page.getByRole('button', { name: 'Close now' }).waitFor();
      expect(
        (await t.request('POST', `/api/v1/campaigns/${c.id}/close`, { token: admin.token })).status,
      ).toBe(202);
      await waitForCampaign(t, admin.token, c.id, 'closed');
      await page.getByRole('button', { name: 'Close now' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'This conflicts with the current state' });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/closed|closing/i);
      // The page then shows the state the server holds.
      await page.getByTestId('campaign-status').getByText('closed').waitFor();
    } finally {
      await context.close();
    }
  });

  it('an auditor sees the campaigns and their progress without any control to change them', async () => {
    const { page, context, problems } = await browserAs(browser, t.url, auditor, {
      viewport: PHONE,
      colorScheme: 'dark',
    });
    try {
      await page.goto('/admin/campaigns');
      await page.getByTestId('campaign-row').first().waitFor();
      expect(await page.getByRole('button', { name: 'New campaign' }).count()).toBe(0);
      await page.getByTestId('campaign-row').getByRole('link', { name: 'Q4 engineering review!' }).click();
      await page.getByTestId('campaign-status').getByText('closed').waitFor();
      await page.getByTestId('progress-bar').first().waitFor();
      await page.getByRole('link', { name: 'Download report.csv' }).waitFor();
      for (const name of ['Launch', 'Close now', 'Cancel campaign', 'New campaign']) {
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-campaign-auditor-phone-dark');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses the campaign pages to a person without roles and fetches nothing', async () => {
    const nobody = await createPrincipal(t);
    const { page, context } = await browserAs(browser, t.url, nobody);
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      for (const path of ['/admin/campaigns', `/admin/campaigns/${crypto.randomUUID()}`]) {
        await page.goto(path);
        await page.getByRole('alert').getByText('You may not open this page').waitFor();
      }
      expect(asked.filter((p) => p.startsWith('/api/v1/campaigns'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

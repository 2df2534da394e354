import { type Browser, type Page } from 'playwright-core';
import { type SignInOrg, startSignInOrg, stopSignInOrg } from '../../test/helpers/signin';
import { campaignBody } from '../../test/helpers/campaigns';
import { localId } from '../../test/helpers/org';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { launchBrowser, screenshot, seriousA11yViolations } from './helpers/browser';
import { signInInBrowser } from './helpers/signin';

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

/**
 * The campaign templates pages (API.md "Campaigns that run themselves") and the launch form's
 * `force`, in a real browser, people signed in at the provider.
 */
describe('admin campaign template pages in a real browser', () => {
  let org: SignInOrg;
  let browser: Browser;
  let groupName: string;

  /** How the forms list a principal: "Name <email>" or the email alone. */
  async function principalLabel(email: string): Promise<{ id: string; label: string }> {
    const res = await org.t.request('GET', '/api/v1/principals?limit=500', { token: BOOTSTRAP_TOKEN });
    const p = (res.body.items as { id: string; email: string; displayName: string | null }[]).find(
      (x) => x.email.toLowerCase() === email.toLowerCase(),
    )!;
    return { id: p.id, label: p.displayName ? `${p.displayName} <${p.email}>` : p.email };
  }

  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({
        names: ['member'],
        admins: ['admin'],
        auditors: ['auditor'],
        groups: { finance: ['member', 'auditor'] },
      }),
      launchBrowser(),
    ]);
    const s = org.emu.emulator.store;
    groupName = s.groups[s.groupSlotById.get(org.groups.finance)!].name;
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it('an admin creates a template, sees its period campaign launched by the server, edits it and deletes it', async () => {
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.admin,
      '/admin/templates',
    );
    try {
      await page.getByTestId('templates-empty').waitFor();
      await page.getByRole('button', { name: 'New template' }).click();
      await page.getByTestId('form-problems').getByText('Choose a connection.').waitFor();
      expect(await page.getByRole('button', { name: 'Create template' }).isDisabled()).toBe(true);

      const me = await principalLabel(org.people.admin.email);
      await choose(page, 'Connection', 'Emulated org');
      await page.getByRole('textbox', { name: 'Name' }).fill('Finance review');
      await choose(page, 'Groups in scope', groupName);
      await page.keyboard.press('Escape');
      await choose(page, 'Repeat every', 'quarter (3 months)');
      await page.getByRole('textbox', { name: 'Periods start on day' }).fill('29');
      await page.getByTestId('form-problems').getByText('Start periods on a day from 1 to 28.').waitFor();
      await page.getByRole('textbox', { name: 'Periods start on day' }).fill('1');
      await page.getByRole('textbox', { name: 'Each campaign runs for (days)' }).fill('10');
      await choose(page, 'Fallback reviewer', me.label);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Create template' }).click();

      await page.waitForURL(/\/admin\/templates\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      const facts = page.getByTestId('template-facts');
      await facts.getByText('Quarterly, from day 1 (00:00 UTC)').waitFor();
      await facts.getByText('10 days').waitFor();
      const saved = (
        await org.t.request('GET', `/api/v1/campaign-templates/${id}`, { token: BOOTSTRAP_TOKEN })
      ).body;
      expect(saved).toMatchObject({
        name: 'Finance review',
        schedule: { everyMonths: 3, dayOfMonth: 1 },
        durationDays: 10,
        fallbackReviewerIds: [me.id],
        mode: 'full',
      });

      // The server's tick makes and launches the period in progress; the page follows it.
      const row = page.getByTestId('template-campaign-row');
      await row.getByText(`Finance review ${saved.currentPeriod.key as string}`).waitFor({ timeout: 30_000 });
      await row.getByText('active').waitFor({ timeout: 30_000 });
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-template');

      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByRole('textbox', { name: 'Each campaign runs for (days)' }).fill('7');
      await choose(page, 'Mode', 'Delta: only memberships without a valid certification');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await facts.getByText('7 days').waitFor();
      await facts.getByText('delta').waitFor();

      await page.getByRole('button', { name: 'Delete template' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/templates');
      await page.getByTestId('templates-empty').waitFor();
      // Its campaign stays.
      const kept = await org.t.request('GET', `/api/v1/campaign-templates/${id}/campaigns`, {
        token: BOOTSTRAP_TOKEN,
      });
      expect(kept.body.items).toHaveLength(1);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a launch refused as stale_directory offers force, which launches', async () => {
    const me = await principalLabel(org.people.admin.email);
    const created = await org.t.request('POST', '/api/v1/campaigns', {
      token: BOOTSTRAP_TOKEN,
      body: campaignBody(org.connectionId, me.id, {
        name: 'Stale review',
        scope: {
          groupIds: [await localId(org.db, org.connectionId, 'directory_groups', org.groups.finance)],
        },
        reviewerStrategy: 'manager',
        maxSyncAgeHours: 0.000001,
      }),
    });
    expect(created.status).toBe(201);
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.admin,
      `/admin/campaigns/${created.body.id as string}`,
    );
    try {
      await page.getByTestId('campaign-status').getByText('draft').waitFor();
      await page.getByRole('button', { name: 'Launch', exact: true }).click();
      const stale = page.getByTestId('stale-directory');
      await stale.getByText(/hours old \(maxSyncAgeHours is 0.000001\)/).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await stale.getByRole('button', { name: 'Launch anyway (force)' }).click();
      await page.getByTestId('campaign-status').getByText('active').waitFor({ timeout: 30_000 });
      const audit = await org.t.request(
        'GET',
        `/api/v1/audit-events?targetId=${created.body.id as string}&limit=50`,
        {
          token: BOOTSTRAP_TOKEN,
        },
      );
      expect((audit.body.items as { action: string }[]).map((e) => e.action)).toContain(
        'campaign.launch_forced',
      );
      // The browser logged the refused launch's 409; nothing else went wrong.
      expect(problems.filter((p) => !p.includes('409'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an auditor reads templates without the controls to change them', async () => {
    const me = await principalLabel(org.people.admin.email);
    const { dueAt: _dueAt, ...campaign } = campaignBody(org.connectionId, me.id, {
      name: 'Yearly review',
      scope: { groupIds: [await localId(org.db, org.connectionId, 'directory_groups', org.groups.finance)] },
      reviewerStrategy: 'manager',
    });
    const created = await org.t.request('POST', '/api/v1/campaign-templates', {
      token: BOOTSTRAP_TOKEN,
      body: { ...campaign, schedule: { everyMonths: 12 }, durationDays: 30 },
    });
    expect(created.status).toBe(201);
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.auditor,
      '/admin/templates',
    );
    try {
      await page.getByRole('link', { name: 'Yearly review' }).click();
      await page.getByTestId('template-facts').getByText('Yearly, from day 1 (00:00 UTC)').waitFor();
      expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Delete template' }).count()).toBe(0);
      await page.goto('/admin/templates');
      await page.getByTestId('template-row').first().waitFor();
      expect(await page.getByRole('button', { name: 'New template' }).count()).toBe(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

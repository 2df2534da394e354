import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../../test/helpers/campaigns';
import { groupMembers, localId, staticGroups } from '../../test/helpers/org';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { asBootstrap, asPerson, choose, expectRefused, principalFor, useWorld } from './helpers/world';

jest.setTimeout(150_000);

const bootstrap = { token: BOOTSTRAP_TOKEN };

describe('admin campaign pages in a real browser', () => {
  // Ada administers (admin group), Rita reviews, Aud audits (auditor group), Nobody has no role.
  const w = useWorld({
    names: ['rita', 'nobody'],
    admins: ['ada'],
    auditors: ['aud'],
    emulator: { seed: 47, sizes: { users: 40, groups: 8, membershipsPerUser: 2, admins: 2, apps: 3 } },
  });
  let adminId: string;
  let reviewerId: string;
  let groups: { id: string; name: string; members: number }[];

  beforeAll(async () => {
    adminId = await principalFor(w, w.org.people.ada, 'Ada Admin');
    reviewerId = await principalFor(w, w.org.people.rita, 'Rita Reviewer');
    groups = staticGroups(w.org.emu, 3)
      .filter((g) => !g.name.startsWith('jumpgate-'))
      .slice(0, 3)
      .map((g) => ({ id: g.id, name: g.name, members: groupMembers(w.org.emu, g).length }));
  });

  it('an admin previews the scope, creates and launches a campaign, sees progress, closes the campaign and downloads the report', async () => {
    const expected = groups[0].members + groups[1].members;
    const { people } = w.org;
    await asPerson(w, people.ada, '/admin/campaigns', async ({ page, problems }) => {
      await page.getByTestId('campaigns-empty').waitFor();
      await page.getByRole('button', { name: 'New campaign' }).click();
      // Nothing filled in: the form says what is missing and nothing can be sent.
      await page.getByTestId('form-problems').getByText('Choose a connection.').waitFor();
      expect(await page.getByRole('button', { name: 'Preview scope' }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Create campaign' }).isDisabled()).toBe(true);

      await choose(page, 'Connection', 'Emulated org');
      await page.getByRole('textbox', { name: 'Name' }).fill('Q4 engineering review');
      for (const g of groups.slice(0, 2)) await choose(page, 'Groups in scope', g.name);
      await page.keyboard.press('Escape');
      await choose(page, 'Reviewers', 'Named reviewers (whole groups each)');
      await choose(page, 'Named reviewers', `Rita Reviewer <${people.rita.email}>`);
      await page.keyboard.press('Escape');
      await choose(page, 'Fallback reviewer', `Ada Admin <${people.ada.email}>`);

      await page.getByRole('button', { name: 'Preview scope' }).click();
      const preview = page.getByTestId('scope-preview');
      await preview
        .getByText(`${expected} items in 2 groups, 1 reviewers, 0 to the fallback reviewer`)
        .waitFor();
      await preview.getByText(`Rita Reviewer: ${expected} items`).waitFor();
      // The preview created nothing.
      expect((await asBootstrap(w, 'GET', '/api/v1/campaigns')).body.items).toEqual([]);
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
      const saved = (await asBootstrap(w, 'GET', `/api/v1/campaigns/${id}`)).body;
      expect(saved).toMatchObject({
        name: 'Q4 engineering review!',
        connectionId: w.org.connectionId,
        reviewerStrategy: 'named',
        reviewerIds: [reviewerId],
        fallbackReviewerIds: [adminId],
        createdBy: adminId,
      });
      expect(saved.scope.groupIds).toHaveLength(2);

      await page.getByRole('button', { name: 'Launch' }).click();
      await page.getByTestId('campaign-status').getByText('active').waitFor({ timeout: 30_000 });
      const bar = page.getByTestId('progress-bar').filter({ hasText: 'Rita Reviewer' });
      await bar.getByText(`0 of ${expected} decided (0 %)`).waitFor();

      // The reviewer decides two items in her own browser; the chart shows them (by reviewer, then by group).
      const items = await campaignItems(w.org.t, BOOTSTRAP_TOKEN, id);
      expect(items).toHaveLength(expected);
      await asPerson(w, people.rita, `/reviews?campaignId=${id}`, async (reviewer) => {
        await reviewer.page.getByTestId('review-row').first().waitFor();
        await reviewer.page.getByRole('heading', { name: 'My reviews' }).click();
        await reviewer.page.keyboard.press('a');
        await reviewer.page.getByText('Kept 1 item.').waitFor();
        await reviewer.page.keyboard.press('r');
        await reviewer.page.getByRole('dialog').waitFor();
        await reviewer.page.keyboard.type('Moved to sales');
        await reviewer.page.keyboard.press('Control+Enter');
        await reviewer.page.getByText('Revoked 1 item.').waitFor();
      });
      const decided = (await campaignItems(w.org.t, BOOTSTRAP_TOKEN, id)).filter(
        (i) => i.status === 'decided',
      );
      expect(decided.map((i) => [i.decision, i.decidedBy]).sort()).toEqual([
        ['keep', reviewerId],
        ['revoke', reviewerId],
      ]);
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
      // Fetched as the signed-in admin's browser fetches it: with its session cookie, no token.
      const report = await page.request.get(href!);
      expect(report.status()).toBe(200);
      expect(report.headers()['content-type']).toMatch(/^text\/csv/);
      const lines = (await report.text()).trim().split('\n');
      expect(lines).toHaveLength(expected + 1);
      expect(lines.filter((l) => l.includes('Moved to sales'))).toHaveLength(1);
      expect(problems).toEqual([]);
    });
  });

  it('shows a 409 as what conflicts when the campaign was closed elsewhere', async () => {
    const groupIds = [await localId(w.org.db, w.org.connectionId, 'directory_groups', groups[2].id)];
    const c = await launchCampaign(
      w.org.t,
      bootstrap,
      bootstrap,
      campaignBody(w.org.connectionId, adminId, {
        name: 'Closed elsewhere',
        scope: { groupIds },
        reviewerIds: [reviewerId],
      }),
    );
    await asPerson(w, w.org.people.ada, `/admin/campaigns/${c.id}`, async ({ page }) => {
      await page.getByRole('button', { name: 'Close now' }).waitFor();
      expect((await asBootstrap(w, 'POST', `/api/v1/campaigns/${c.id}/close`)).status).toBe(202);
      await waitForCampaign(w.org.t, BOOTSTRAP_TOKEN, c.id, 'closed');
      await page.getByRole('button', { name: 'Close now' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'This conflicts with the current state' });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/closed|closing/i);
      // The page then shows the state the server holds.
      await page.getByTestId('campaign-status').getByText('closed').waitFor();
    });
  });

  it('an auditor sees the campaigns and their progress without any control to change them', async () => {
    await asPerson(
      w,
      w.org.people.aud,
      '/admin/campaigns',
      async ({ page, problems }) => {
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
      },
      { viewport: PHONE, colorScheme: 'dark' },
    );
  });

  it('refuses the campaign pages to a person without roles and fetches nothing', async () => {
    await asPerson(w, w.org.people.nobody, '/reviews', async ({ page }) => {
      await expectRefused(
        page,
        ['/admin/campaigns', `/admin/campaigns/${crypto.randomUUID()}`],
        ['/api/v1/campaigns'],
      );
    });
  });
});

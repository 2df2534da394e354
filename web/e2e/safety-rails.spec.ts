import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RemediationPreviewResponse } from '../../src/campaigns/dto/remediation-preview.dto';
import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../../test/helpers/campaigns';
import { emulatorHasMember, localId, staticGroups } from '../../test/helpers/org';
import { pollUntil } from '../../test/helpers/poll';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { screenshot, seriousA11yViolations } from './helpers/browser';
import { asBootstrap, asPerson, principalFor, useWorld } from './helpers/world';

jest.setTimeout(200_000);

const bootstrap = { token: BOOTSTRAP_TOKEN };

/**
 * The safety rails of a close on the admin campaign page (API.md "Campaigns that run themselves"): the
 * remediation preview with its warnings, a close over the caps that holds removals, the closer refused
 * the release, a second admin releasing them, and a system close needing two approvals.
 */
describe('campaign safety rails in a real browser', () => {
  // Ada and Ben administer (admin group), Aud audits, Rita reviews.
  const w = useWorld({
    names: ['rita'],
    admins: ['ada', 'ben'],
    auditors: ['aud'],
    emulator: { seed: 53, sizes: { users: 40, groups: 6, membershipsPerUser: 2, admins: 2, apps: 3 } },
  });
  let adaId: string;
  let reviewerId: string;
  // The directory's own static groups (never the jumpgate role groups: removing Ada from hers would end her role).
  let groups: { ext: string; id: string }[];

  beforeAll(async () => {
    adaId = await principalFor(w, w.org.people.ada, 'Ada Admin');
    await principalFor(w, w.org.people.ben, 'Ben Admin');
    reviewerId = await principalFor(w, w.org.people.rita, 'Rita Reviewer');
    groups = [];
    for (const g of staticGroups(w.org.emu, 2).filter((x) => !x.name.startsWith('jumpgate-'))) {
      groups.push({ ext: g.id, id: await localId(w.org.db, w.org.connectionId, 'directory_groups', g.id) });
    }
  });

  const preview = async (id: string) =>
    (await asBootstrap(w, 'GET', `/api/v1/campaigns/${id}/remediation-preview`))
      .body as RemediationPreviewResponse;
  const campaign = async (id: string) =>
    (await asBootstrap(w, 'GET', `/api/v1/campaigns/${id}`)).body as CampaignResponse;
  const stillMember = async (i: ReviewItemResponse) => {
    const { rows } = await w.org.db.query<{ external_id: string }>(
      `SELECT external_id FROM directory_accounts WHERE id = $1`,
      [i.account.id],
    );
    return emulatorHasMember(w.org.emu, groups.find((g) => g.id === i.group!.id)!.ext, rows[0].external_id);
  };

  it('an admin sees the preview warnings, closes over the caps and cannot release what was held; a second admin releases it and the memberships leave JumpCloud', async () => {
    const max = 5;
    // Every group and the administrator accounts, all revoked by the default at close.
    const c = await launchCampaign(
      w.org.t,
      bootstrap,
      bootstrap,
      campaignBody(w.org.connectionId, adaId, {
        name: 'Rails review',
        // The last group is the next test's (this one empties every group it reviews).
        scope: { groupIds: groups.slice(0, -1).map((g) => g.id), administrators: true },
        reviewerIds: [reviewerId],
        defaultDecision: 'revoke',
        maxRevokeSharePerGroup: 0.5,
        maxRevokesPerClose: max,
      }),
    );
    const before = await preview(c.id);
    const codes = new Set(before.warnings.map((x) => x.code));
    for (const code of ['group_bound_to_applications', 'administrator_account', 'group_would_become_empty'])
      expect(codes.has(code as never)).toBe(true);
    expect(before.wouldHold).toBe(before.total - max);

    const { people } = w.org;
    // The administrator accounts went to the fallback reviewer: each row says its roles and what to do by hand.
    const adminItems = (await campaignItems(w.org.t, BOOTSTRAP_TOKEN, c.id)).filter((i) => i.group === null);
    expect(adminItems.length).toBeGreaterThan(0);
    await asPerson(w, people.ada, `/reviews?campaignId=${c.id}`, async ({ page }) => {
      const row = page.getByTestId('review-row').filter({ hasText: adminItems[0].account.email! });
      await row.getByText('JumpCloud administrator account').waitFor();
      await row.getByText(`roles: ${adminItems[0].account.adminRoles.join(', ')}`).waitFor();
      await row.getByTestId('manual-instruction').getByText('Revoking does not change JumpCloud').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
    });

    await asPerson(w, people.ada, `/admin/campaigns/${c.id}`, async ({ page, problems }) => {
      // The preview before close: the counts, one row per group, each warning in plain words.
      await page
        .getByTestId('preview-summary')
        .getByText(
          `A close now would remove ${before.total} memberships: ${max} at once, ${before.wouldHold} held for a second admin.`,
        )
        .waitFor();
      expect(await page.getByTestId('preview-groups').locator('tbody tr').count()).toBe(before.groups.length);
      const first = before.groups[0];
      await page
        .getByTestId('preview-groups')
        .getByRole('row', { name: new RegExp(`^${first.name} ${first.memberCount} ${first.removals} `) })
        .waitFor();
      for (const [code, title] of [
        ['group_bound_to_applications', 'Takes away applications'],
        ['administrator_account', 'Administrator account'],
        ['group_would_become_empty', 'Group would become empty'],
      ]) {
        const alert = page.getByTestId(`warning-${code}`);
        await alert.getByText(title).waitFor();
        const messages = before.warnings.filter((x) => x.code === code).map((x) => x.message);
        expect(await alert.getByRole('listitem').allTextContents()).toEqual(messages);
      }
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-campaign-remediation-preview');

      // The close applies `max` removals and holds the rest.
      await page.getByRole('button', { name: 'Close now' }).click();
      await page.getByTestId('campaign-status').getByText('closed').waitFor({ timeout: 60_000 });
      const closed = await campaign(c.id);
      expect(closed.progress.held).toBe(before.wouldHold);
      await page.getByTestId('held-count').getByText(`${before.wouldHold} removals are held`).waitFor();
      await page.getByTestId('release-approvals').getByText('0 of 1 approval recorded').waitFor();
      const heldItems = await campaignItems(w.org.t, BOOTSTRAP_TOKEN, c.id, '&remediation=held');
      expect(heldItems).toHaveLength(before.wouldHold);
      expect(await page.getByTestId('held-items').getByRole('listitem').count()).toBe(heldItems.length);
      for (const i of heldItems) expect(await stillMember(i)).toBe(true);

      // The closer may not release: the page says why, and nothing changes.
      await page.getByRole('button', { name: 'Release held removals' }).click();
      await page.getByTestId('second-admin-required').getByText('Another admin must release these').waitFor();
      expect((await campaign(c.id)).progress.held).toBe(before.wouldHold);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-campaign-held-removals');
      // The one console line is the browser reporting the refused release's 403.
      expect(problems).toEqual([
        'Failed to load resource: the server responded with a status of 403 (Forbidden)',
      ]);

      // An auditor sees what is held and no button.
      await asPerson(w, people.aud, `/admin/campaigns/${c.id}`, async (auditor) => {
        await auditor.page.getByTestId('held-count').waitFor();
        expect(await auditor.page.getByRole('button', { name: 'Release held removals' }).count()).toBe(0);
      });

      // A second admin releases: nothing held any more, and the memberships leave JumpCloud.
      await asPerson(w, people.ben, `/admin/campaigns/${c.id}`, async (second) => {
        await second.page.getByRole('button', { name: 'Release held removals' }).click();
        await second.page.getByTestId('release-done').waitFor();
        await second.page.getByTestId('held-count').getByText('Nothing is held any more.').waitFor();
        expect(second.problems).toEqual([]);
      });
      expect((await campaign(c.id)).progress.held).toBe(0);
      await pollUntil(
        async () => Promise.all(heldItems.map(stillMember)),
        (still) => still.every((x) => !x),
        () => 'released removals still in JumpCloud',
        { timeoutMs: 90_000 },
      );
    });
  });

  it('after a system close the first admin’s release is an approval: "1 of 2 approvals recorded"', async () => {
    const [g] = groups.slice(-1);
    const c = await launchCampaign(
      w.org.t,
      bootstrap,
      bootstrap,
      campaignBody(w.org.connectionId, adaId, {
        name: 'Closed by the clock',
        scope: { groupIds: [g.id] },
        reviewerIds: [reviewerId],
        defaultDecision: 'revoke',
        // A share of 0 holds every removal.
        maxRevokeSharePerGroup: 0,
        dueAt: new Date(Date.now() + 4_000).toISOString(),
      }),
    );
    const closed = await waitForCampaign(w.org.t, BOOTSTRAP_TOKEN, c.id, 'closed', 60_000);
    expect(closed.closedBy).toBeNull();
    expect(closed.progress.held).toBeGreaterThan(0);
    await asPerson(w, w.org.people.ada, `/admin/campaigns/${c.id}`, async ({ page, problems }) => {
      await page.getByTestId('release-approvals').getByText('0 of 2 approvals recorded').waitFor();
      await page.getByRole('button', { name: 'Release held removals' }).click();
      await page.getByTestId('release-recorded').getByText('1 of 2 approvals recorded').waitFor();
      expect(problems).toEqual([]);
    });
    const after = await preview(c.id);
    expect(after.release.approvals.map((a) => a.principalId)).toEqual([adaId]);
    expect((await campaign(c.id)).progress.held).toBe(closed.progress.held);
  });
});

import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../../test/helpers/campaigns';
import { emulatorHasMember, localId } from '../../test/helpers/org';
import { pollUntil } from '../../test/helpers/poll';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { screenshot, seriousA11yViolations } from './helpers/browser';
import { asBootstrap, asPerson, fromPage, principalFor, useWorld } from './helpers/world';

jest.setTimeout(180_000);

const bootstrap = { token: BOOTSTRAP_TOKEN };

describe('Convert to just-in-time and delta campaigns in a real browser', () => {
  // Rita reviews the ledger group, whose members are Milo (converted to just-in-time) and Nina (kept);
  // Omar owns the group and approves Milo's request; Ada administers.
  const w = useWorld({
    names: ['rita', 'milo', 'nina', 'omar'],
    admins: ['ada'],
    groups: { ledger: ['milo', 'nina'] },
    emulator: { seed: 73, sizes: { users: 20, groups: 4, membershipsPerUser: 2, admins: 2, apps: 2 } },
  });
  let adminId: string;
  let reviewerId: string;
  let groupId: string;
  let groupName: string;
  let campaignId: string;

  const milo = () => w.org.people.milo;
  const hasMilo = () => emulatorHasMember(w.org.emu, w.org.groups.ledger, milo().sub);
  const items = () => campaignItems(w.org.t, BOOTSTRAP_TOKEN, campaignId);

  beforeAll(async () => {
    const { t, db, connectionId, people, groups } = w.org;
    adminId = await principalFor(w, people.ada, 'Ada Admin');
    reviewerId = await principalFor(w, people.rita, 'Rita Reviewer');
    const ownerId = await principalFor(w, people.omar, 'Omar Owner');
    await principalFor(w, people.milo);
    groupId = await localId(db, connectionId, 'directory_groups', groups.ledger);
    groupName = (await asBootstrap(w, 'GET', `/api/v1/groups/${groupId}`)).body.name as string;
    const policy = await asBootstrap(w, 'PUT', `/api/v1/groups/${groupId}/policy`, {
      ownerIds: [ownerId],
      requestable: true,
      maxDurationMinutes: 60,
      requireJustification: true,
    });
    expect(policy.status).toBe(200);
    const campaign = await launchCampaign(
      t,
      bootstrap,
      bootstrap,
      campaignBody(connectionId, adminId, {
        name: 'Ledger review',
        scope: { groupIds: [groupId] },
        reviewerIds: [reviewerId],
        autoRemediate: true,
      }),
    );
    campaignId = campaign.id;
  });

  it('a reviewer converts a membership to just-in-time in its row; the close removes it in JumpCloud; the person then requests the group on /access and gets it', async () => {
    expect(hasMilo()).toBe(true);
    await asPerson(w, w.org.people.rita, `/reviews?campaignId=${campaignId}`, async ({ page, problems }) => {
      const row = page.getByTestId('review-row').filter({ hasText: milo().email });
      await row.waitFor();
      await row.getByText('not certified').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await row.getByRole('button', { name: /^Convert to JIT .+ in / }).click();
      const dialog = page.getByRole('dialog', { name: 'Convert 1 membership to just-in-time' });
      await dialog.waitFor();
      // No justification, no conversion.
      expect(await dialog.getByRole('button', { name: /^Convert to just-in-time/ }).isDisabled()).toBe(true);
      await dialog.getByLabel('Justification').fill('Needs the ledger at quarter end only');
      await page.keyboard.press('Control+Enter');
      await page.getByText('Converted 1 item.').waitFor();
      const converted = (await items()).find((i) => i.account.email === milo().email)!;
      expect(converted).toMatchObject({
        decision: 'convert_to_jit',
        justification: 'Needs the ledger at quarter end only',
        decidedBy: reviewerId,
      });
      // Nina is kept (her own session's API call, as the app makes it).
      const nina = (await items()).find((i) => i.account.email === w.org.people.nina.email)!;
      const kept = await fromPage(page, 'POST', `/api/v1/review-items/${nina.id}/decision`, {
        decision: 'keep',
      });
      expect(kept.status).toBe(200);
      expect(problems).toEqual([]);
    });

    // The close removes Milo's standing membership in JumpCloud and certifies Nina's.
    expect((await asBootstrap(w, 'POST', `/api/v1/campaigns/${campaignId}/close`)).status).toBe(202);
    await waitForCampaign(w.org.t, BOOTSTRAP_TOKEN, campaignId, 'closed');
    await pollUntil(
      async () => hasMilo(),
      (present) => !present,
      () => 'the emulator still has the converted membership',
      { timeoutMs: 30_000 },
    );

    // Milo finds the group in the catalog and asks for it; Omar approves; JumpCloud has him again.
    await asPerson(w, milo(), '/access', async (asker) => {
      await asker.page.getByLabel('Search the catalog').fill(groupName);
      await asker.page.getByRole('button', { name: `Request ${groupName}` }).click();
      const form = asker.page.getByRole('dialog', { name: `Request ${groupName}` });
      await form.getByLabel('Duration in minutes').fill('30');
      await form.getByLabel('Justification').fill('Quarter-end close');
      await form.getByRole('button', { name: 'Send request' }).click();
      await asker.page.getByText(`Request for ${groupName} sent`).waitFor();
      await asPerson(w, w.org.people.omar, '/approvals', async (owner) => {
        const card = owner.page.getByTestId('approval');
        await card.getByText('Quarter-end close').waitFor();
        await card.getByRole('button', { name: 'Approve' }).click();
        await owner.page.getByTestId('approvals-empty').waitFor();
      });
      await asker.page.getByTestId('countdown').waitFor({ timeout: 30_000 });
      expect(asker.problems).toEqual([]);
    });
    expect(hasMilo()).toBe(true);
    const grants = (await asBootstrap(w, 'GET', `/api/v1/grants?groupId=${groupId}`)).body.items as {
      status: string;
    }[];
    expect(grants.map((g) => g.status)).toEqual(['active']);
  });

  it("a delta campaign's page says how many memberships it carried on their certification", async () => {
    const { t, connectionId } = w.org;
    const delta = await launchCampaign(
      t,
      bootstrap,
      bootstrap,
      campaignBody(connectionId, adminId, {
        name: 'Ledger delta',
        scope: { groupIds: [groupId] },
        reviewerIds: [reviewerId],
        mode: 'delta',
      }),
    );
    // Milo's membership is new (his grant's); Nina's is carried on the keep Rita made.
    expect(delta.progress).toMatchObject({ total: 1, carried: 1 });
    await asPerson(w, w.org.people.ada, `/admin/campaigns/${delta.id}`, async ({ page, problems }) => {
      await page.getByText('delta (1 carried on their certification)').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'campaign-delta');
      expect(problems).toEqual([]);
    });
  });
});

import { campaignBody, campaignItems, launchCampaign } from '../../test/helpers/campaigns';
import { localId, staticGroups } from '../../test/helpers/org';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { asPerson, principalFor, useWorld } from './helpers/world';

jest.setTimeout(120_000);

const bootstrap = { token: BOOTSTRAP_TOKEN };

describe('My reviews in a real browser', () => {
  // Rita reviews; she signs in at the provider like everyone else, and is in none of the groups she reviews.
  const w = useWorld({
    names: ['rita', 'other'],
    admins: ['ada'],
    emulator: { seed: 31, sizes: { users: 40, groups: 8, membershipsPerUser: 2, admins: 2, apps: 3 } },
  });
  let reviewerId: string;
  let campaignId: string;
  let groupNames: string[];

  const items = () => campaignItems(w.org.t, BOOTSTRAP_TOKEN, campaignId);

  beforeAll(async () => {
    const { t, db, emu, connectionId, people } = w.org;
    const adminId = await principalFor(w, people.ada, 'Ada Admin');
    reviewerId = await principalFor(w, people.rita, 'Rita Reviewer');
    const groups = staticGroups(emu, 4)
      .filter((g) => !g.name.startsWith('jumpgate-'))
      .slice(0, 2);
    groupNames = groups.map((g) => g.name);
    const groupIds = await Promise.all(
      groups.map((g) => localId(db, connectionId, 'directory_groups', g.id)),
    );
    const campaign = await launchCampaign(
      t,
      bootstrap,
      bootstrap,
      campaignBody(connectionId, adminId, {
        name: 'Q3 access review',
        scope: { groupIds },
        reviewerIds: [reviewerId],
      }),
    );
    campaignId = campaign.id;
  });

  it('a reviewer signs in, filters, bulk-revokes three items with one justification by keyboard alone, and sees the progress', async () => {
    const before = await items();
    const total = before.length;
    const inFirstGroup = before.filter((i) => i.group?.name === groupNames[0]).length;
    expect(inFirstGroup).toBeGreaterThanOrEqual(4);

    await asPerson(w, w.org.people.rita, `/reviews?campaignId=${campaignId}`, async ({ page, problems }) => {
      const rows = page.getByTestId('review-row');
      await rows.first().waitFor();
      await page.getByTestId('campaign-progress').getByText(`0 of ${total} decided`).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'reviews');

      // Filter by group through the combobox, by keyboard.
      await page.getByRole('combobox', { name: 'Group' }).focus();
      await page.keyboard.type(groupNames[0]);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.getByTestId('review-count').getByText(`${inFirstGroup} shown`).waitFor();
      expect(new URL(page.url()).searchParams.get('groupId')).not.toBeNull();

      // Leave the field, then: select, next, select, next, select, revoke.
      await page.getByRole('heading', { name: 'My reviews' }).click();
      for (const key of ['x', 'j', 'x', 'j', 'x']) await page.keyboard.press(key);
      await page.getByTestId('review-count').getByText(`${inFirstGroup} shown, 3 selected`).waitFor();
      const chosen = await page
        .locator('[data-testid="review-row"]')
        .evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-item-id')));
      await page.keyboard.press('r');
      const dialog = page.getByRole('dialog', { name: 'Revoke 3 memberships' });
      await dialog.waitFor();
      await page.keyboard.type('Left the team in June');
      await page.keyboard.press('Control+Enter');
      await page.getByText('Revoked 3 items.').waitFor();

      // What the server holds: exactly those three, revoked, with the justification, by the reviewer.
      const after = await items();
      const revoked = after.filter((i) => i.decision === 'revoke');
      expect(revoked.map((i) => i.id).sort()).toEqual([...chosen].sort());
      for (const i of revoked) {
        expect(i.justification).toBe('Left the team in June');
        expect(i.decidedBy).toBe(reviewerId);
        expect(i.override).toBe(false);
      }
      expect(after.filter((i) => i.status === 'pending')).toHaveLength(total - 3);

      // The decided items left the "to decide" list, and the progress counts them.
      await page
        .getByTestId('review-count')
        .getByText(`${inFirstGroup - 3} shown`)
        .waitFor();
      await page
        .getByTestId('campaign-progress')
        .getByText(`3 of ${total} decided, ${total - 3} to go`)
        .waitFor();
      expect(problems).toEqual([]);
    });
  });

  it('keeps one item by keyboard and undoes it back to the earlier decision', async () => {
    await asPerson(w, w.org.people.rita, '/reviews?status=decided', async ({ page }) => {
      await page.getByTestId('review-row').first().waitFor();
      const first = await page.getByTestId('review-row').first().getAttribute('data-item-id');
      await page.getByRole('heading', { name: 'My reviews' }).click();
      await page.keyboard.press('a');
      await page.getByText('Kept 1 item.').waitFor();
      expect((await items()).find((i) => i.id === first)?.decision).toBe('keep');
      await page.keyboard.press('u');
      await page.getByText('Restored 1 item.').waitFor();
      const restored = (await items()).find((i) => i.id === first);
      expect([restored?.decision, restored?.justification]).toEqual(['revoke', 'Left the team in June']);
    });
  });

  it('refuses a revoke without a justification and changes nothing', async () => {
    await asPerson(w, w.org.people.rita, '/reviews', async ({ page }) => {
      await page.getByTestId('review-row').first().waitFor();
      await page.getByRole('heading', { name: 'My reviews' }).click();
      await page.keyboard.press('r');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.getByRole('button', { name: /^Revoke/ }).isDisabled()).toBe(true);
      await page.keyboard.press('Control+Enter');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect((await items()).filter((i) => i.status === 'decided')).toHaveLength(3);
    });
  });

  it('works at 390 px in the dark, accessibly', async () => {
    await asPerson(
      w,
      w.org.people.rita,
      '/reviews',
      async ({ page, problems }) => {
        await page.getByTestId('review-row').first().waitFor();
        expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe('dark');
        // Nothing wider than the screen.
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        expect(await seriousA11yViolations(page)).toEqual([]);
        await screenshot(page, 'reviews-phone-dark');
        expect(problems).toEqual([]);
      },
      { viewport: PHONE, colorScheme: 'dark' },
    );
  });

  it('shows another person no items of this reviewer', async () => {
    await asPerson(w, w.org.people.other, '/reviews', async ({ page }) => {
      await page.getByTestId('reviews-empty').getByText('Nothing to review').waitFor();
    });
  });
});

import { type Locator, type Page } from 'playwright-core';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { campaignBody, campaignItems, launchCampaign } from '../../test/helpers/campaigns';
import { syncNow } from '../../test/helpers/jumpcloud';
import { pollUntil } from '../../test/helpers/poll';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { asBootstrap, asPerson, choose, principalFor, useWorld } from './helpers/world';

jest.setTimeout(180_000);

const bootstrap = { token: BOOTSTRAP_TOKEN };
const NEVER = 'never seen in 90 days';
// "3 days ago (Mar 2, 2027)": relative, then the date with its year.
const SEEN = /^(just now|\d+ min ago|\d+ h ago|yesterday|\d+ days ago) \(.*\d{4}\)$/;

/** What one review row must show of its item's activity: the account's last sign-in, then each application's. */
async function expectActivityShown(row: Locator, item: ReviewItemResponse): Promise<void> {
  const last = (await row.getByTestId('review-last-sign-in').innerText()).replace(/^Last sign-in:\s*/, '');
  if (item.account.lastSignInAt === null) expect(last).toBe(NEVER);
  else expect(last).toMatch(SEEN);
  const apps = await row.getByTestId('review-app-sign-in').allInnerTexts();
  expect(apps).toHaveLength(item.group!.applications.length);
  item.group!.applications.forEach((app, k) => {
    const [name, text] = apps[k].replace(/^·\s*/, '').split(/:\s+/);
    expect({ name, text }).toEqual({
      name: app.name,
      text: app.lastSignInAt === null ? NEVER : expect.stringMatching(SEEN),
    });
  });
  if (item.recommendation) expect(await row.innerText()).toContain(item.recommendation.reason);
}

/** Scrolls the virtual review list from the top until the row of `itemId` is rendered. */
async function scrollTo(page: Page, itemId: string): Promise<void> {
  const list = page.getByRole('list', { name: 'Review items' });
  const row = page.locator(`[data-testid="review-row"][data-item-id="${itemId}"]`);
  await list.evaluate((el) => el.scrollTo(0, 0));
  for (let step = 0; step < 100 && (await row.count()) === 0; step++) {
    await list.evaluate((el) => el.scrollBy(0, 300));
  }
  await row.scrollIntoViewIfNeeded();
}

/** Sign-in activity as reviewers and admins see it (issue 22: activity in My reviews, the account and connection pages). */
describe('sign-in activity in the browser', () => {
  const w = useWorld({
    names: ['rita'],
    admins: ['ada'],
    emulator: { seed: 37, sizes: { users: 40, groups: 6, membershipsPerUser: 2, admins: 2, apps: 3 } },
  });
  let campaignId: string;
  let items: ReviewItemResponse[];
  /** The membership whose member signed in to one of its group's applications just before the launch. */
  let woken: { accountId: string; groupId: string; appName: string };

  const readThrough = async () =>
    (
      await w.org.db.query<{ read_through: Date }>(
        `SELECT read_through FROM directory_activity_cursors WHERE connection_id = $1`,
        [w.org.connectionId],
      )
    ).rows[0]?.read_through.getTime() ?? 0;

  /** A sync and the activity read after it, through now. */
  async function syncAndRead(): Promise<void> {
    const at = Date.now();
    expect((await syncNow(w.org.t, w.org.connectionId)).status).toBe('succeeded');
    await pollUntil(
      readThrough,
      (t) => t >= at,
      () => 'no activity read after the sync',
    );
  }

  beforeAll(async () => {
    const { t, db, emu, connectionId, people } = w.org;
    const adminId = await principalFor(w, people.ada, 'Ada Admin');
    const reviewerId = await principalFor(w, people.rita, 'Rita Reviewer');
    // An active member of a static group that grants an application signs in to it now.
    const [m] = (
      await db.query<{ user: string; app: string; app_name: string; account_id: string; group_id: string }>(
        `SELECT a.external_id AS user, d.external_id AS app, d.name AS app_name, a.id AS account_id, g.id AS group_id
         FROM directory_memberships m
         JOIN directory_accounts a ON a.id = m.account_id AND a.state = 'ACTIVATED'
         JOIN directory_groups g ON g.id = m.group_id AND g.membership_method = 'STATIC' AND g.name NOT LIKE 'jumpgate-%'
         JOIN directory_application_groups ag ON ag.group_id = g.id
         JOIN directory_applications d ON d.id = ag.application_id AND d.removed_at IS NULL
         WHERE m.connection_id = $1 AND m.removed_at IS NULL
         ORDER BY g.name, a.email LIMIT 1`,
        [connectionId],
      )
    ).rows;
    woken = { accountId: m.account_id, groupId: m.group_id, appName: m.app_name };
    const signedIn = await fetch(`${emu.url}/__emulator/users/${m.user}/sign-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ applicationId: m.app }),
    });
    expect(signedIn.status).toBe(200);
    await syncAndRead();
    const campaign = await launchCampaign(
      t,
      bootstrap,
      bootstrap,
      campaignBody(connectionId, adminId, {
        name: 'Activity review',
        scope: { groupIds: [m.group_id] },
        reviewerIds: [reviewerId],
        inactiveDays: 30,
      }),
    );
    campaignId = campaign.id;
    items = await campaignItems(t, BOOTSTRAP_TOKEN, campaignId);
  });

  it('My reviews shows each member’s last sign-in and one per application, with the inactivity reason; on a phone too', async () => {
    expect(items.length).toBeGreaterThanOrEqual(3);
    const mine = items.find((i) => i.account.id === woken.accountId && i.group?.id === woken.groupId)!;
    expect(mine.recommendation).toBeNull();
    const idle = items.filter((i) => /^No sign-in to /.test(i.recommendation?.reason ?? ''));
    expect(idle.length).toBeGreaterThan(0);

    for (const [viewport, colorScheme] of [
      [undefined, 'light'],
      [PHONE, 'dark'],
    ] as const) {
      await asPerson(
        w,
        w.org.people.rita,
        `/reviews?campaignId=${campaignId}`,
        async ({ page, problems }) => {
          await page.getByTestId('review-row').first().waitFor();
          // The list is virtual: walk it down, checking each row as it renders.
          const checked = new Set<string>();
          const list = page.getByRole('list', { name: 'Review items' });
          for (let step = 0; step < 100 && checked.size < items.length; step++) {
            for (const id of await page
              .getByTestId('review-row')
              .evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id') ?? ''))) {
              const item = items.find((i) => i.id === id);
              if (!item || checked.has(id)) continue;
              await expectActivityShown(
                page.locator(`[data-testid="review-row"][data-item-id="${id}"]`),
                item,
              );
              checked.add(id);
            }
            await list.evaluate((el) => el.scrollBy(0, 300));
          }
          expect(checked.size).toBe(items.length);
          // The sign-in made just before the launch reads as minutes ago, not days.
          await scrollTo(page, mine.id);
          const row = page.locator(`[data-testid="review-row"][data-item-id="${mine.id}"]`);
          const wokenApp = row.getByTestId('review-app-sign-in').filter({ hasText: `${woken.appName}:` });
          expect(await wokenApp.innerText()).toMatch(/(just now|\d+ min ago) \(/);
          await scrollTo(page, idle[0].id);
          await page
            .locator(`[data-testid="review-row"][data-item-id="${idle[0].id}"]`)
            .getByText(/seen by JumpCloud in 30 days \(it sees only sign-ins made through JumpCloud\)/)
            .waitFor();
          if (viewport)
            expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
          expect(await seriousA11yViolations(page)).toEqual([]);
          await screenshot(page, viewport ? 'reviews-activity-phone-dark' : 'reviews-activity');
          expect(problems).toEqual([]);
        },
        { viewport, colorScheme },
      );
    }
  });

  it("the account page's Activity section gives the account's last sign-in and each application's", async () => {
    const activity = (await asBootstrap(w, 'GET', `/api/v1/accounts/${woken.accountId}/activity`)).body as {
      lastSignInAt: string | null;
      applications: { id: string; name: string; lastSignInAt: string | null }[];
    };
    expect(activity.applications.length).toBeGreaterThan(0);
    await asPerson(
      w,
      w.org.people.ada,
      `/admin/directory/accounts/${woken.accountId}`,
      async ({ page, problems }) => {
        await page.getByRole('heading', { name: 'Activity' }).waitFor();
        expect(await page.getByTestId('account-last-sign-in').innerText()).toMatch(
          /^Last sign-in: (just now|\d+ min ago) \(/,
        );
        await page
          .getByTestId('account-activity-note')
          .getByText(/only those made through it .* 90 days it keeps; read /)
          .waitFor();
        const rows = page.getByTestId('account-activity-row');
        expect(await rows.count()).toBe(activity.applications.length);
        for (const [k, app] of activity.applications.entries()) {
          const cells = await rows.nth(k).locator('td').allInnerTexts();
          expect(cells[0]).toBe(app.name);
          if (app.lastSignInAt === null) expect(cells[1]).toBe(NEVER);
          else expect(cells[1]).toMatch(SEEN);
        }
        expect(await seriousA11yViolations(page)).toEqual([]);
        await page.getByRole('heading', { name: 'Activity' }).scrollIntoViewIfNeeded();
        await screenshot(page, 'account-activity');
        expect(problems).toEqual([]);
      },
    );
  });

  it('the connection page says what Directory Insights allows: readable, then forbidden once the role loses it', async () => {
    const { emu, connectionId } = w.org;
    await asPerson(w, w.org.people.ada, `/admin/connections/${connectionId}`, async ({ page, problems }) => {
      await page
        .getByTestId('connection-insights')
        .getByText(/^Directory Insights is readable: sign-in activity and who changed memberships/)
        .waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    });
    emu.emulator.setDenied('all', ['insights.read']);
    try {
      expect((await syncNow(w.org.t, connectionId)).status).toBe('succeeded');
      await pollUntil(
        async () =>
          (await asBootstrap(w, 'GET', `/api/v1/connections/${connectionId}`)).body as { insights: string },
        (c) => c.insights === 'forbidden',
        (c) => `insights still ${c.insights}`,
      );
      await asPerson(w, w.org.people.ada, `/admin/connections/${connectionId}`, async ({ page }) => {
        await page
          .getByTestId('connection-insights')
          .getByText(
            "The API key's role cannot read Directory Insights; activity, attribution and incremental sync are off.",
          )
          .waitFor();
        expect(await seriousA11yViolations(page)).toEqual([]);
        await screenshot(page, 'connection-insights-forbidden');
      });
      // The account page says its times are no longer kept current.
      await asPerson(
        w,
        w.org.people.ada,
        `/admin/directory/accounts/${woken.accountId}`,
        async ({ page }) => {
          await page
            .getByTestId('account-activity-note')
            .getByText(/can no longer read Directory Insights/)
            .waitFor();
        },
      );
    } finally {
      emu.emulator.setDenied('all', []);
    }
    await syncAndRead();
  });

  it('the campaign form takes inactiveDays (60 by default), refuses 0 in words, and the campaign page shows it', async () => {
    const { people } = w.org;
    await asPerson(w, people.ada, '/admin/campaigns', async ({ page, problems }) => {
      await page.getByRole('button', { name: 'New campaign' }).click();
      const days = page.getByRole('textbox', { name: 'Days without a sign-in before recommending a review' });
      expect(await days.inputValue()).toBe('60');
      await choose(page, 'Connection', 'Emulated org');
      await page.getByRole('textbox', { name: 'Name' }).fill('Idle access review');
      await choose(page, 'Fallback reviewer', `Ada Admin <${people.ada.email}>`);
      await days.fill('0');
      await page
        .getByTestId('form-problems')
        .getByText('The days without a sign-in are a whole number from 1 to 3650.')
        .waitFor();
      expect(await page.getByRole('button', { name: 'Preview scope' }).isDisabled()).toBe(true);
      await days.fill('45');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Preview scope' }).click();
      await page.getByTestId('scope-preview').waitFor();
      await page.getByRole('button', { name: 'Create campaign' }).click();
      await page.waitForURL(/\/admin\/campaigns\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      expect((await asBootstrap(w, 'GET', `/api/v1/campaigns/${id}`)).body).toMatchObject({
        name: 'Idle access review',
        inactiveDays: 45,
      });
      await page.getByTestId('campaign-facts').getByText('45 days without a sign-in').waitFor();
      expect(problems).toEqual([]);
    });
  });
});

import { campaignBody, waitForCampaign } from '../../test/helpers/campaigns';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { asBootstrap, asPerson, principalFor, useWorld } from './helpers/world';

jest.setTimeout(300_000);

/** Issue 19: My reviews with 10,000 pending items shows its first rows within 1.5 s of navigation. */
const ITEMS = 10_000;
const BUDGET_MS = 1500;
// The time budget is the benchmark's (npm run bench:web sets this); `npm test` checks the behaviour only,
// since a timed assertion on a shared CI machine measures the machine, not the page.
const BENCH = process.env.JUMPGATE_BENCH_WEB === '1';

describe('My reviews with 10,000 pending items (npm run bench:web)', () => {
  // 2,500 people in 4 groups each: 10,000 memberships, every one an item of the campaign.
  const w = useWorld({
    names: ['reviewer'],
    emulator: { seed: 7, sizes: { users: 2500, groups: 40, membershipsPerUser: 4, admins: 1, apps: 3 } },
  });
  let total: number;

  beforeAll(async () => {
    const reviewerId = await principalFor(w, w.org.people.reviewer, 'Rey Viewer');
    const created = await asBootstrap(
      w,
      'POST',
      '/api/v1/campaigns',
      campaignBody(w.org.connectionId, reviewerId, { name: 'Everything', reviewerIds: [reviewerId] }),
    );
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await asBootstrap(w, 'POST', `/api/v1/campaigns/${id}/launch`)).status).toBe(202);
    total = (await waitForCampaign(w.org.t, BOOTSTRAP_TOKEN, id, 'active')).progress.total;
  });

  it(`shows the first rows${BENCH ? ` within ${BUDGET_MS} ms` : ''} and every item once all pages are in`, async () => {
    expect(total).toBeGreaterThanOrEqual(ITEMS * 0.95);
    await asPerson(w, w.org.people.reviewer, '/approvals', async ({ page, problems }) => {
      // Warm the browser's cache of the app's files, as a returning reviewer's browser would be.
      await page.getByTestId('approvals-empty').waitFor();
      const started = Date.now();
      await page.goto('/reviews');
      await page.getByTestId('review-row').first().waitFor();
      const firstRows = Date.now() - started;
      await page
        .getByTestId('review-count')
        .getByText(`${total} shown`, { exact: true })
        .waitFor({ timeout: 60_000 });
      const allItems = Date.now() - started;
      // Virtualised: only a screenful of rows is in the DOM, whatever the count.
      const rendered = await page.getByTestId('review-row').count();
      console.log(
        `bench:web: ${total} pending items: first rows after ${firstRows} ms, all ${total} loaded after ${allItems} ms, ${rendered} rows in the DOM`,
      );
      expect(rendered).toBeLessThan(60);
      if (BENCH) expect(firstRows).toBeLessThan(BUDGET_MS);
      expect(problems).toEqual([]);
    });
  });
});

import { type Browser } from 'playwright-core';
import { campaignBody, campaignItems, launchCampaign } from '../../test/helpers/campaigns';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { type SignInOrg, startSignInOrg, stopSignInOrg } from '../../test/helpers/signin';
import { launchBrowser, PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { choose } from './helpers/forms';
import { signInInBrowser } from './helpers/signin';

jest.setTimeout(150_000);

describe('reassigning a review item from My reviews in a real browser', () => {
  let org: SignInOrg;
  let browser: Browser;
  let rita: { id: string; email: string };
  let sam: { id: string; email: string };
  let campaignId: string;
  const boot = { token: BOOTSTRAP_TOKEN };

  const item = async () => {
    const items = await campaignItems(org.t, BOOTSTRAP_TOKEN, campaignId);
    expect(items).toHaveLength(1);
    return items[0];
  };

  // Rita reviews the one membership of "tools" (Mo's); Sam is an auditor, so the app lets Sam pick
  // reviewers from the principals list, while Rita (no role) gives an id.
  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({ names: ['rita', 'mo'], auditors: ['sam'], groups: { tools: ['mo'] } }),
      launchBrowser(),
    ]);
    const principal = async (email: string) => {
      const res = await org.t.request('POST', '/api/v1/principals', {
        token: BOOTSTRAP_TOKEN,
        body: { email },
      });
      expect(res.status).toBe(201);
      return res.body as { id: string; email: string };
    };
    rita = await principal(org.people.rita.email);
    sam = await principal(org.people.sam.email);
    const groups = (await org.t.request('GET', '/api/v1/groups?limit=500', { token: BOOTSTRAP_TOKEN })).body
      .items as { id: string; externalId: string }[];
    const tools = groups.find((g) => g.externalId === org.groups.tools)!;
    const campaign = await launchCampaign(
      org.t,
      boot,
      boot,
      campaignBody(org.connectionId, sam.id, {
        scope: { groupIds: [tools.id] },
        reviewerIds: [rita.id],
      }),
    );
    campaignId = campaign.id;
    expect((await item()).reviewerId).toBe(rita.id);
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it('a reviewer hands an item to a colleague by id with a reason; a bad id is refused and changes nothing', async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.rita, '/reviews');
    try {
      const row = page.getByTestId('review-row').filter({ hasText: org.people.mo.email });
      await row.getByRole('button', { name: /^Reassign mo/ }).click();
      const dialog = page.getByRole('dialog', { name: /^Reassign mo/ });
      const submit = dialog.getByRole('button', { name: 'Reassign' });
      await dialog.getByRole('textbox', { name: "New reviewer's jumpgate id" }).fill('not-an-id');
      // The reason is required before anything is sent.
      expect(await submit.isDisabled()).toBe(true);
      await dialog
        .getByRole('textbox', { name: 'Reason' })
        .fill('Mo moved to my team; Sam knows the tools group');
      await submit.click();
      await dialog.getByRole('alert').getByText('reviewerId must be a UUID', { exact: false }).waitFor();
      expect((await item()).reviewerId).toBe(rita.id);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'reviews-reassign');

      await dialog.getByRole('textbox', { name: "New reviewer's jumpgate id" }).fill(sam.id);
      await submit.click();
      await page
        .getByRole('status')
        .getByText(/^Handed mo .* to another reviewer\.$/)
        .waitFor();
      await page.getByTestId('reviews-empty').waitFor();
      expect((await item()).reviewerId).toBe(sam.id);
      // The refused attempt (400) is the only console error.
      expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an auditor reviewer on a phone in dark mode picks the reviewer from the principals list', async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.sam, '/reviews', {
      viewport: PHONE,
      colorScheme: 'dark',
    });
    try {
      const row = page.getByTestId('review-row').filter({ hasText: org.people.mo.email });
      await row.getByRole('button', { name: /^Reassign mo/ }).click();
      const dialog = page.getByRole('dialog', { name: /^Reassign mo/ });
      await choose(page, 'New reviewer', rita.email);
      await dialog.getByRole('textbox', { name: 'Reason' }).fill('Back to Rita after all');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'reviews-reassign-phone-dark');
      await dialog.getByRole('button', { name: 'Reassign' }).click();
      await page.getByTestId('reviews-empty').waitFor();
      expect((await item()).reviewerId).toBe(rita.id);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

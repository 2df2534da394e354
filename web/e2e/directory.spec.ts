import { randomUUID } from 'node:crypto';
import { type Browser } from 'playwright-core';
import { syncNow } from '../../test/helpers/jumpcloud';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { type SignInOrg, startSignInOrg, stopSignInOrg } from '../../test/helpers/signin';
import { launchBrowser, PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { choose } from './helpers/forms';
import { signInInBrowser } from './helpers/signin';

jest.setTimeout(150_000);

describe('the directory pages in a real browser', () => {
  let org: SignInOrg;
  let browser: Browser;
  let payroll: { id: string; name: string };
  let ben: { id: string };

  const get = async (path: string) => {
    const res = await org.t.request('GET', path, { token: BOOTSTRAP_TOKEN });
    expect(res.status).toBe(200);
    return res.body;
  };

  // Ada is in payroll at the first sync; then, outside jumpgate, Ben joins and Ada leaves, and a second
  // sync records both in the history.
  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({
        names: ['nobody', 'ada', 'ben'],
        admins: ['admin'],
        auditors: ['auditor'],
        groups: { payroll: ['ada'] },
      }),
      launchBrowser(),
    ]);
    org.emu.emulator.externalAddMember(org.groups.payroll, org.people.ben.sub);
    org.emu.emulator.externalRemoveMember(org.groups.payroll, org.people.ada.sub);
    expect((await syncNow(org.t, org.connectionId)).status).toBe('succeeded');
    const groups = (await get(`/api/v1/groups?q=payroll`)).items as { id: string; name: string }[];
    expect(groups).toHaveLength(1);
    payroll = groups[0];
    ben = (await get(`/api/v1/accounts?q=${encodeURIComponent(org.people.ben.email)}`)).items[0];
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it('an admin searches accounts by text and kind, opens an account with its groups and history, then its group', async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.admin, '/reviews');
    try {
      await page.getByRole('link', { name: 'Directory' }).first().click();
      await page.waitForURL((u) => u.pathname === '/admin/directory');
      await page.getByTestId('account-row').first().waitFor();
      await screenshot(page, 'admin-directory');
      expect(await seriousA11yViolations(page)).toEqual([]);

      // The search is debounced into the address, so the view can be shared.
      await page.getByLabel('Search accounts').fill(org.people.ben.email);
      await page.waitForURL((u) => u.searchParams.get('q') === org.people.ben.email);
      // The unfiltered rows give way to the one match.
      await page.getByTestId('account-row').nth(1).waitFor({ state: 'detached' });
      await page.getByTestId('account-row').getByText(org.people.ben.email).waitFor();
      expect(await page.getByTestId('account-row').count()).toBe(1);
      // Ben is a user, not an administrator: that filter leaves nothing, and says so.
      await choose(page, 'Kind', 'Administrators');
      await page.getByTestId('accounts-empty').getByText('No account matches.').waitFor();
      await choose(page, 'Kind', 'Users');
      await page.getByTestId('account-row').getByRole('link').click();

      await page.waitForURL((u) => u.pathname === `/admin/directory/accounts/${ben.id}`);
      await page.getByRole('heading', { level: 1, name: /^ben/ }).waitFor();
      await page.getByTestId('fact-Email').getByText(org.people.ben.email).waitFor();
      const groupRow = page.getByTestId('account-group-row').filter({ hasText: payroll.name });
      // Member since: a date in the second cell.
      await groupRow
        .locator('td')
        .nth(1)
        .getByText(/^\w{3} \d{1,2}, \d{4}$/)
        .waitFor();
      const history = page.getByTestId('history-row');
      await history.filter({ hasText: payroll.name }).getByText('added').waitFor();
      expect(await history.count()).toBe(1);
      await history.getByText('outside jumpgate', { exact: false }).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-directory-account');

      await groupRow.getByRole('link', { name: payroll.name }).click();
      await page.waitForURL((u) => u.pathname === `/admin/directory/groups/${payroll.id}`);
      await page.getByRole('heading', { level: 1, name: payroll.name }).waitFor();
      const members = page.getByTestId('member-row');
      await members.getByText(org.people.ben.email).waitFor();
      expect(await members.count()).toBe(1);
      // Newest first: both changes of the second sync, each naming its account.
      const groupHistory = page.getByTestId('history-row');
      await groupHistory.filter({ hasText: 'removed' }).getByRole('link', { name: /ada/ }).waitFor();
      await groupHistory.filter({ hasText: 'added' }).getByRole('link', { name: /ben/ }).waitFor();
      expect(await groupHistory.count()).toBe(2);
      expect(
        await page.getByRole('link', { name: 'Requests and approvals for this group' }).getAttribute('href'),
      ).toBe(`/admin/directory/groups/${payroll.id}/policy`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-directory-group');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an auditor on a phone in dark mode finds a group by search; an unknown account reads as not found', async () => {
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.auditor,
      '/admin/directory?tab=groups&q=payroll',
      { viewport: PHONE, colorScheme: 'dark' },
    );
    try {
      expect(await page.getByLabel('Search groups').inputValue()).toBe('payroll');
      await page.getByTestId('group-row').getByRole('link', { name: payroll.name }).click();
      await page.getByTestId('member-row').getByText(org.people.ben.email).waitFor();
      expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe('dark');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-directory-group-phone-dark');

      await page.goto('/admin/directory?tab=groups&q=no-such-group-anywhere');
      await page.getByTestId('groups-empty').getByText('No group matches.').waitFor();
      await page.goto(`/admin/directory/accounts/${randomUUID()}`);
      await page.getByRole('alert').getByText('Not found', { exact: true }).waitFor();
      // The 404 of the missing account is the one console error expected here.
      expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a person without roles cannot open the directory pages, and nothing is fetched', async () => {
    const { page, context } = await signInInBrowser(browser, org, org.people.nobody, '/reviews');
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      expect(await page.getByRole('link', { name: 'Directory' }).count()).toBe(0);
      for (const path of [
        '/admin/directory',
        `/admin/directory/accounts/${ben.id}`,
        `/admin/directory/groups/${payroll.id}`,
      ]) {
        await page.goto(path);
        await page.getByRole('alert').getByText('You may not open this page').waitFor();
      }
      expect(asked.filter((p) => /^\/api\/v1\/(accounts|groups)/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

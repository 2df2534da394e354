import { type Browser } from 'playwright-core';
import { syncNow } from '../../test/helpers/jumpcloud';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import { type SignInOrg, startSignInOrg, stopSignInOrg } from '../../test/helpers/signin';
import { launchBrowser, PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { choose, fieldError } from './helpers/forms';
import { signInInBrowser } from './helpers/signin';

jest.setTimeout(150_000);

describe('group policy pages in a real browser', () => {
  let org: SignInOrg;
  let browser: Browser;
  let vpn: { id: string; name: string };
  let dynamic: { id: string; name: string };
  let owner: { id: string; email: string };

  const api = async (method: string, path: string, body?: unknown) =>
    org.t.request(method, path, { token: BOOTSTRAP_TOKEN, body });
  /** Our group by its JumpCloud id (the seeded organisation has look-alike names). */
  const groupByExternalId = async (externalId: string) => {
    const items = (await api('GET', '/api/v1/groups?limit=500')).body.items as {
      id: string;
      name: string;
      externalId: string;
    }[];
    const found = items.find((g) => g.externalId === externalId);
    if (!found) throw new Error(`group ${externalId} was not synced`);
    return found;
  };

  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({
        names: ['nobody', 'olga'],
        admins: ['admin'],
        auditors: ['auditor'],
        groups: { vpn: ['olga'] },
      }),
      launchBrowser(),
    ]);
    // JumpCloud sets this group's members by rule: it can never be requestable.
    const rules = org.emu.emulator.createGroup({
      name: 'set-by-rules',
      membershipMethod: 'DYNAMIC_AUTOMATED',
    });
    expect((await syncNow(org.t, org.connectionId)).status).toBe('succeeded');
    vpn = await groupByExternalId(org.groups.vpn);
    dynamic = await groupByExternalId(rules);
    const created = await api('POST', '/api/v1/principals', {
      email: org.people.olga.email,
      displayName: 'Olga Owner',
    });
    expect(created.status).toBe(201);
    owner = created.body;
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it("an admin makes a group requestable; the server's precise 400s show on their fields and nothing is saved until it accepts", async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.admin, '/reviews');
    const policy = async () => (await api('GET', `/api/v1/groups/${vpn.id}/policy`)).body;
    try {
      await page.getByRole('link', { name: 'Group policies' }).first().click();
      await page.waitForURL((u) => u.pathname === '/admin/policies');
      await page.getByLabel('Search groups').fill(vpn.name);
      const row = page.getByTestId('policy-row').filter({ hasText: vpn.name });
      await row.getByText('not requestable').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await row.getByRole('link', { name: vpn.name }).click();
      await page.waitForURL((u) => u.pathname === `/admin/directory/groups/${vpn.id}/policy`);

      await page.getByLabel('Requestable: people may ask for time-boxed membership').check();
      await choose(page, 'Owners', `Olga Owner (${owner.email})`);
      await page.keyboard.press('Escape');
      // Two fields the DTO refuses at once: each message lands on its own field.
      await page.getByLabel('Longest grant (minutes)').fill('0');
      await page.getByLabel('Approvals required in step 1').fill('0');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Not saved: correct the fields marked above.').waitFor();
      expect(await fieldError(page, 'Longest grant (minutes)')).toContain(
        'maxDurationMinutes must not be less than 1',
      );
      await page
        .getByTestId('approval-steps')
        .getByText('must not be less than 1', { exact: false })
        .waitFor();
      expect(await fieldError(page, 'Owners')).toBe('');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.getByLabel('Longest grant (minutes)').scrollIntoViewIfNeeded();
      await screenshot(page, 'admin-policy-errors');
      // Over MAX_GRANT_MINUTES (10080 by default): the service's own message.
      await page.getByLabel('Longest grant (minutes)').fill('20000');
      await page.getByLabel('Approvals required in step 1').fill('1');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Not saved: correct the fields marked above.').waitFor();
      expect(await fieldError(page, 'Longest grant (minutes)')).toContain(
        'maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)',
      );
      expect(await policy()).toMatchObject({ requestable: false, ownerIds: [], updatedAt: null });

      await page.getByLabel('Longest grant (minutes)').fill('240');
      await page.getByLabel('Default grant (minutes)').fill('60');
      await page.getByLabel('A request waits at most (hours)').fill('24');
      // A second step: the requester's manager, after the owners.
      await page.getByRole('button', { name: 'Add a step' }).click();
      await choose(page, 'Step 2', "The requester's manager");
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByRole('status').getByText('Policy saved.').waitFor();
      expect(await policy()).toMatchObject({
        requestable: true,
        ownerIds: [owner.id],
        approverIds: [owner.id],
        approvalsRequired: 1,
        approvalSteps: [{ kind: 'approvers', required: 1 }, { kind: 'manager' }],
        requestTtlHours: 24,
        maxDurationMinutes: 240,
        defaultDurationMinutes: 60,
        requireJustification: false,
        eligibleGroupIds: null,
      });
      await screenshot(page, 'admin-policy');

      // A dynamic group: the refusal lands on the Requestable switch.
      await page.goto(`/admin/directory/groups/${dynamic.id}/policy`);
      await page.getByLabel('Requestable: people may ask for time-boxed membership').check();
      await page.getByLabel('Longest grant (minutes)').fill('60');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Not saved: correct the fields marked above.').waitFor();
      // A switch's label wraps its error, so its name goes on past the label.
      expect(await fieldError(page, /^Requestable: people may ask for time-boxed membership/)).toContain(
        'A DYNAMIC_AUTOMATED group cannot be requestable',
      );
      expect((await api('GET', `/api/v1/groups/${dynamic.id}/policy`)).body.requestable).toBe(false);
      // The refused saves answered 400; those are the only console errors.
      expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an auditor on a phone in dark mode reads the policy with no control to change it', async () => {
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.auditor,
      `/admin/directory/groups/${vpn.id}/policy`,
      { viewport: PHONE, colorScheme: 'dark' },
    );
    try {
      await page.getByTestId('fact-Owners').getByText(`Olga Owner (${owner.email})`).waitFor();
      await page.getByTestId('fact-Longest grant').getByText('4 h').waitFor();
      expect(await page.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
      expect(await page.getByRole('switch').count()).toBe(0);
      expect(await page.getByRole('textbox').count()).toBe(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-policy-auditor-phone-dark');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a person without roles cannot open the policy pages, and nothing is fetched', async () => {
    const { page, context } = await signInInBrowser(browser, org, org.people.nobody, '/reviews');
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      expect(await page.getByRole('link', { name: 'Group policies' }).count()).toBe(0);
      for (const path of ['/admin/policies', `/admin/directory/groups/${vpn.id}/policy`]) {
        await page.goto(path);
        await page.getByRole('alert').getByText('You may not open this page').waitFor();
      }
      expect(asked.filter((p) => p.startsWith('/api/v1/groups'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

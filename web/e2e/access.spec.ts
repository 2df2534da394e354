import { type Browser } from 'playwright-core';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../../test/helpers/app';
import {
  localId,
  outsidersOf,
  staticGroups,
  startEmulatedOrg,
  stopEmulatedOrg,
} from '../../test/helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../../test/helpers/principals';
import { launchBrowser, screenshot, seriousA11yViolations } from './helpers/browser';
import { browserAs } from './helpers/people';

jest.setTimeout(150_000);

describe('My access and Approvals in a real browser', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let browser: Browser;
  let admin: TestPrincipal;
  let approver: TestPrincipal;
  let requester: TestPrincipal;
  let groupId: string;
  let groupName: string;

  const requestsOf = async (who: TestPrincipal) =>
    (await t.request('GET', '/api/v1/access-requests?scope=mine', { token: who.token })).body.items as {
      id: string;
      status: string;
      grantId: string | null;
      justification: string | null;
      durationMinutes: number;
    }[];

  beforeAll(async () => {
    [{ emu, t, db, connectionId }, browser] = await Promise.all([
      startEmulatedOrg({
        seed: 57,
        sizes: { users: 30, groups: 6, membershipsPerUser: 2, admins: 2, apps: 2 },
      }),
      launchBrowser(),
    ]);
    admin = await createPrincipal(t, { roles: ['admin'] });
    approver = await createPrincipal(t, { displayName: 'Omar Owner' });
    const g = staticGroups(emu)[0];
    groupName = g.name;
    groupId = await localId(db, connectionId, 'directory_groups', g.id);
    const outsider = outsidersOf(emu, g)[0];
    requester = await createPrincipal(t, { email: outsider.email });
    const policy = await t.request('PUT', `/api/v1/groups/${groupId}/policy`, {
      token: admin.token,
      body: {
        ownerIds: [approver.id],
        requestable: true,
        maxDurationMinutes: 60,
        requireJustification: true,
      },
    });
    expect(policy.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('a requester asks within the policy, an approver approves in the app, the requester sees the countdown and ends the grant', async () => {
    const asker = await browserAs(browser, t.url, requester);
    const owner = await browserAs(browser, t.url, approver);
    try {
      // The requester finds the group in the catalog; the form holds them to the policy first.
      await asker.page.goto('/access');
      await asker.page.getByRole('heading', { name: 'What I reach now' }).waitFor();
      await asker.page.getByLabel('Search the catalog').fill(groupName.split(' ')[0]);
      await asker.page.getByRole('button', { name: `Request ${groupName}` }).click();
      const form = asker.page.getByRole('dialog', { name: `Request ${groupName}` });
      await form.getByLabel('Duration in minutes').fill('90');
      await form.getByRole('button', { name: 'Send request' }).click();
      await form
        .getByText('The policy allows at most 60 minutes. This group needs a justification.')
        .waitFor();
      expect(await requestsOf(requester)).toEqual([]);

      await form.getByLabel('Duration in minutes').fill('20');
      await form.getByLabel('Justification').fill('Quarter-end close');
      await form.getByRole('button', { name: 'Send request' }).click();
      await asker.page.getByText(`Request for ${groupName} sent`).waitFor();
      await asker.page.getByTestId('request-row').getByText('pending').waitFor();
      const [sent] = await requestsOf(requester);
      expect(sent).toMatchObject({
        status: 'pending',
        durationMinutes: 20,
        justification: 'Quarter-end close',
      });
      expect(await seriousA11yViolations(asker.page)).toEqual([]);

      // The approver sees who asks, for what, how long and why, and approves.
      await owner.page.goto('/approvals');
      const card = owner.page.getByTestId('approval');
      await card.getByText('Quarter-end close').waitFor();
      await card.getByText('for 20 min').waitFor();
      await card.getByText(`asks for ${groupName}`).waitFor();
      expect(await seriousA11yViolations(owner.page)).toEqual([]);
      await screenshot(owner.page, 'approvals');
      await card.getByRole('button', { name: 'Approve' }).click();
      await owner.page.getByTestId('approvals-empty').waitFor();
      const [approved] = await requestsOf(requester);
      expect(approved?.status).toBe('approved');

      // The requester's page shows the grant counting down once JumpCloud has the membership.
      await asker.page
        .getByTestId('countdown')
        .getByText(/^(19|20) min \d\d s left$/)
        .waitFor({ timeout: 30_000 });
      const first = await asker.page.getByTestId('countdown').textContent();
      await asker.page.waitForTimeout(1100);
      expect(await asker.page.getByTestId('countdown').textContent()).not.toBe(first);
      await screenshot(asker.page, 'access');
      expect(asker.problems).toEqual([]);

      // Ending it: the row goes, and the server holds the grant revoked.
      await asker.page.getByRole('button', { name: 'End now' }).click();
      await asker.page.getByTestId('grant-row').waitFor({ state: 'detached', timeout: 30_000 });
      const grant = (
        await t.request('GET', `/api/v1/grants?groupId=${groupId}`, { token: BOOTSTRAP_TOKEN })
      ).body.items.find((g: { id: string }) => g.id === approved?.grantId);
      expect(grant).toMatchObject({ status: 'ended', endReason: 'revoked' });
    } finally {
      await asker.context.close();
      await owner.context.close();
    }
  });

  it('a deny needs a comment; the requester has nothing to approve of their own', async () => {
    const created = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId, durationMinutes: 10, justification: 'Again' },
    });
    expect(created.status).toBe(201);
    const owner = await browserAs(browser, t.url, approver);
    const asker = await browserAs(browser, t.url, requester);
    try {
      await owner.page.goto('/approvals');
      const card = owner.page.getByTestId('approval');
      await card.getByRole('button', { name: 'Deny' }).click();
      await card.getByText('Say why you deny it.').waitFor();
      expect((await requestsOf(requester)).find((r) => r.id === created.body.id)?.status).toBe('pending');
      await card.getByLabel('Comment').fill('Use the shared report instead');
      await card.getByRole('button', { name: 'Deny' }).click();
      await owner.page.getByTestId('approvals-empty').waitFor();
      expect((await requestsOf(requester)).find((r) => r.id === created.body.id)?.status).toBe('denied');

      await asker.page.goto('/approvals');
      await asker.page.getByTestId('approvals-empty').waitFor();
    } finally {
      await owner.context.close();
      await asker.context.close();
    }
  });
});

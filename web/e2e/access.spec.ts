import { localId, staticGroups } from '../../test/helpers/org';
import { screenshot, seriousA11yViolations } from './helpers/browser';
import { asBootstrap, asPerson, fromPage, principalFor, useWorld } from './helpers/world';

jest.setTimeout(150_000);

describe('My access and Approvals in a real browser', () => {
  // Rhea requests (she is in none of the emulated groups), Omar owns the group and approves.
  const w = useWorld({
    names: ['rhea', 'omar'],
    emulator: { seed: 57, sizes: { users: 30, groups: 6, membershipsPerUser: 2, admins: 2, apps: 2 } },
  });
  let requesterId: string;
  let groupId: string;
  let groupName: string;

  const requestsOfRequester = async () =>
    (
      (await asBootstrap(w, 'GET', '/api/v1/access-requests?scope=all&limit=500')).body.items as {
        id: string;
        requesterId: string;
        status: string;
        grantId: string | null;
        justification: string | null;
        durationMinutes: number;
      }[]
    ).filter((r) => r.requesterId === requesterId);

  beforeAll(async () => {
    const { db, emu, connectionId, people } = w.org;
    requesterId = await principalFor(w, people.rhea);
    const approverId = await principalFor(w, people.omar, 'Omar Owner');
    const g = staticGroups(emu).filter((x) => !x.name.startsWith('jumpgate-'))[0];
    groupName = g.name;
    groupId = await localId(db, connectionId, 'directory_groups', g.id);
    const policy = await asBootstrap(w, 'PUT', `/api/v1/groups/${groupId}/policy`, {
      ownerIds: [approverId],
      requestable: true,
      maxDurationMinutes: 60,
      requireJustification: true,
    });
    expect(policy.status).toBe(200);
  });

  it('a requester requests access, an approver (another person) approves in the app, the requester sees the countdown, ends the grant and the page shows it', async () => {
    await asPerson(w, w.org.people.rhea, '/access', async (asker) => {
      // The requester finds the group in the catalog; the form holds them to the policy first.
      await asker.page.getByRole('heading', { name: 'What I reach now' }).waitFor();
      await asker.page.getByLabel('Search the catalog').fill(groupName.split(' ')[0]);
      await asker.page.getByRole('button', { name: `Request ${groupName}` }).click();
      const form = asker.page.getByRole('dialog', { name: `Request ${groupName}` });
      await form.getByLabel('Duration in minutes').fill('90');
      await form.getByRole('button', { name: 'Send request' }).click();
      await form
        .getByText('The policy allows at most 60 minutes. This group needs a justification.')
        .waitFor();
      expect(await requestsOfRequester()).toEqual([]);

      await form.getByLabel('Duration in minutes').fill('20');
      await form.getByLabel('Justification').fill('Quarter-end close');
      await form.getByRole('button', { name: 'Send request' }).click();
      await asker.page.getByText(`Request for ${groupName} sent`).waitFor();
      await asker.page.getByTestId('request-row').getByText('pending').waitFor();
      const [sent] = await requestsOfRequester();
      expect(sent).toMatchObject({
        status: 'pending',
        durationMinutes: 20,
        justification: 'Quarter-end close',
      });
      expect(await seriousA11yViolations(asker.page)).toEqual([]);

      // The approver, signed in on their own, sees who asks, for what, how long and why, and approves.
      await asPerson(w, w.org.people.omar, '/approvals', async (owner) => {
        const card = owner.page.getByTestId('approval');
        await card.getByText('Quarter-end close').waitFor();
        await card.getByText('for 20 min').waitFor();
        await card.getByText(`asks for ${groupName}`).waitFor();
        expect(await seriousA11yViolations(owner.page)).toEqual([]);
        await screenshot(owner.page, 'approvals');
        await card.getByRole('button', { name: 'Approve' }).click();
        await owner.page.getByTestId('approvals-empty').waitFor();
        expect(owner.problems).toEqual([]);
      });
      const [approved] = await requestsOfRequester();
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
      const grant = (await asBootstrap(w, 'GET', `/api/v1/grants?groupId=${groupId}`)).body.items.find(
        (g: { id: string }) => g.id === approved?.grantId,
      );
      expect(grant).toMatchObject({ status: 'ended', endReason: 'revoked' });
    });
  });

  it('a deny needs a comment; the requester has nothing to approve of their own', async () => {
    await asPerson(w, w.org.people.rhea, '/approvals', async (asker) => {
      const created = await fromPage(asker.page, 'POST', '/api/v1/access-requests', {
        groupId,
        durationMinutes: 10,
        justification: 'Again',
      });
      expect(created.status).toBe(201);
      const status = async () => (await requestsOfRequester()).find((r) => r.id === created.body.id)?.status;
      await asPerson(w, w.org.people.omar, '/approvals', async (owner) => {
        const card = owner.page.getByTestId('approval');
        await card.getByRole('button', { name: 'Deny' }).click();
        await card.getByText('Say why you deny it.').waitFor();
        expect(await status()).toBe('pending');
        await card.getByLabel('Comment').fill('Use the shared report instead');
        await card.getByRole('button', { name: 'Deny' }).click();
        await owner.page.getByTestId('approvals-empty').waitFor();
      });
      expect(await status()).toBe('denied');
      await asker.page.reload();
      await asker.page.getByTestId('approvals-empty').waitFor();
    });
  });
});

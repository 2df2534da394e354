import { syncNow } from '../../test/helpers/jumpcloud';
import { localId } from '../../test/helpers/org';
import { pollUntil } from '../../test/helpers/poll';
import { screenshot, seriousA11yViolations, type WatchedPage } from './helpers/browser';
import { choose, fieldError } from './helpers/forms';
import { asBootstrap, asPerson, principalFor, useWorld } from './helpers/world';

jest.setTimeout(240_000);

type Req = {
  id: string;
  groupId: string;
  status: string;
  currentStep: number;
  breakGlass: boolean;
  approvals: { approverId: string | null; decision: string; step: number | null; rule?: number }[];
  grant: { status: string; startsAt: string | null } | null;
};

/** A datetime-local value (the browser runs in this machine's time zone). */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * Just-in-time additions in the web app (API.md "Just-in-time additions"), each person signed in at the
 * OpenID provider in their own browser: automatic approval rules edited on the policy page, a
 * manager-then-approvers request moving step by step, break-glass from /access with its review, and a
 * scheduled start.
 */
describe('just-in-time additions in a real browser', () => {
  // Rhea requests; Mona is her manager in the directory; Omar owns and approves the groups; Ada is an admin.
  const w = useWorld({
    names: ['rhea', 'mona', 'omar'],
    admins: ['ada'],
    groups: { team: ['rhea'], db: [], ops: [], pager: [], sched: [] },
  });
  const ids: Record<string, string> = {};
  const names: Record<string, string> = {};
  let omarId: string;

  const requestsFor = async (group: string): Promise<Req[]> =>
    ((await asBootstrap(w, 'GET', '/api/v1/access-requests?scope=all&limit=500')).body.items as Req[]).filter(
      (r) => r.groupId === ids[group],
    );
  const putPolicy = async (group: string, body: Record<string, unknown>) => {
    const res = await asBootstrap(w, 'PUT', `/api/v1/groups/${ids[group]}/policy`, {
      ownerIds: [omarId],
      requestable: true,
      maxDurationMinutes: 60,
      requireJustification: false,
      ...body,
    });
    expect(res.status).toBe(200);
  };

  /** Opens the request form of `group` from the catalog on /access. */
  async function openRequest(p: WatchedPage, group: string) {
    await p.page.getByLabel('Search the catalog').fill(names[group]);
    await p.page.getByRole('button', { name: `Request ${names[group]}` }).click();
    return p.page.getByRole('dialog', { name: `Request ${names[group]}` });
  }

  beforeAll(async () => {
    const { org } = w;
    // Rhea matches the rule the admin writes (her group and department); Mona is her manager.
    org.emu.emulator.updateUser(org.people.rhea.sub, {
      managerId: org.people.mona.sub,
      department: 'Engineering',
    });
    expect((await syncNow(org.t, org.connectionId)).status).toBe('succeeded');
    omarId = await principalFor(w, org.people.omar, 'Omar Owner');
    await principalFor(w, org.people.mona, 'Mona Manager');
    await principalFor(w, org.people.rhea, 'Rhea Requester');
    for (const g of Object.keys(org.groups)) {
      ids[g] = await localId(org.db, org.connectionId, 'directory_groups', org.groups[g]);
      names[g] = (await asBootstrap(w, 'GET', `/api/v1/groups/${ids[g]}`)).body.name as string;
    }
    await putPolicy('ops', { approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 1 }] });
    await putPolicy('pager', { breakGlass: { enabled: true, maxDurationMinutes: 30 } });
    await putPolicy('sched', {});
  });

  it('an admin adds an automatic approval rule on the policy page (a 400 on the rule first); a requester it matches gets the grant at once', async () => {
    const owner = `Omar Owner (${w.org.people.omar.email})`;
    await asPerson(
      w,
      w.org.people.ada,
      `/admin/directory/groups/${ids.db}/policy`,
      async ({ page, problems }) => {
        await page.getByLabel('Requestable: people may ask for time-boxed membership').check();
        await choose(page, 'Owners', owner);
        await page.keyboard.press('Escape');
        await page.getByLabel('Longest grant (minutes)').fill('60');
        await page.getByLabel('Default grant (minutes)').fill('30');
        await page.getByRole('button', { name: 'Add a rule' }).click();
        await choose(page, 'Rule 1: requester in one of these groups', names.team);
        await page.keyboard.press('Escape');
        await page
          .getByTestId('auto-approve-rule')
          .getByPlaceholder('A department, then Enter')
          .fill('Engineering');
        await page.keyboard.press('Enter');
        // Longer than the policy allows: the server's message lands on the rule's own field.
        await page.getByLabel('Rule 1: for at most (minutes)').fill('90');
        await page.getByRole('button', { name: 'Save policy' }).click();
        await page.getByText('Not saved: correct the fields marked above.').waitFor();
        expect(await fieldError(page, 'Rule 1: for at most (minutes)')).toBe(
          'autoApproveRules[0].maxDurationMinutes may not exceed maxDurationMinutes (60)',
        );
        expect(await fieldError(page, 'Longest grant (minutes)')).toBe('');
        expect((await asBootstrap(w, 'GET', `/api/v1/groups/${ids.db}/policy`)).body).toMatchObject({
          requestable: false,
          autoApproveRules: [],
        });
        expect(await seriousA11yViolations(page)).toEqual([]);

        await page.getByLabel('Rule 1: for at most (minutes)').fill('30');
        await page.getByRole('button', { name: 'Save policy' }).click();
        await page.getByRole('status').getByText('Policy saved.').waitFor();
        expect((await asBootstrap(w, 'GET', `/api/v1/groups/${ids.db}/policy`)).body).toMatchObject({
          requestable: true,
          ownerIds: [omarId],
          autoApproveRules: [
            { requesterInGroupIds: [ids.team], departments: ['Engineering'], maxDurationMinutes: 30 },
          ],
          breakGlass: null,
        });
        await page.getByTestId('auto-approve-rules').scrollIntoViewIfNeeded();
        await screenshot(page, 'admin-policy-rules');
        expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
      },
    );

    await asPerson(w, w.org.people.rhea, '/access', async (asker) => {
      const form = await openRequest(asker, 'db');
      await form.getByLabel('Duration in minutes').fill('20');
      await form.getByRole('button', { name: 'Send request' }).click();
      await asker.page.getByText(`Request for ${names.db} approved at once`).waitFor();
      const [made] = await requestsFor('db');
      expect(made).toMatchObject({
        status: 'approved',
        approvals: [{ approverId: null, decision: 'approve', rule: 0 }],
      });
      // The grant counts down once JumpCloud has the membership.
      await asker.page
        .getByTestId('grant-row')
        .filter({ hasText: names.db })
        .getByText(/^(19|20) min \d\d s left$/)
        .waitFor({ timeout: 30_000 });
      await asker.page.goto(`/requests/${made.id}`);
      await asker.page.getByTestId('approvals').getByText('Approved by auto-approve rule 1').waitFor();
      await asker.page
        .getByTestId('request-grant')
        .getByText(/its clock started/)
        .waitFor();
      expect(await seriousA11yViolations(asker.page)).toEqual([]);
      expect(asker.problems).toEqual([]);
    });
  });

  it('a manager-then-approvers request moves step by step: the owner waits greyed and is told why if he acts early', async () => {
    let id = '';
    await asPerson(w, w.org.people.rhea, '/access', async (asker) => {
      const form = await openRequest(asker, 'ops');
      await form.getByLabel('Duration in minutes').fill('15');
      await form.getByLabel('Justification').fill('Deploy the fix');
      await form.getByRole('button', { name: 'Send request' }).click();
      await asker.page.getByText(`Request for ${names.ops} sent`).waitFor();
      await asker.page.getByTestId('request-row').getByText("Step 1 of 2: the requester's manager").waitFor();
      [{ id }] = await requestsFor('ops');
    });

    // Omar approves step 2 only: he sees the request greyed, and acting early changes nothing.
    await asPerson(w, w.org.people.omar, '/approvals', async (owner) => {
      const card = owner.page.getByTestId('approval').filter({ hasText: 'Deploy the fix' });
      await card
        .getByTestId('waiting-for-step')
        .getByText("Waiting for step 1 (the requester's manager)")
        .waitFor();
      expect(await card.getAttribute('data-waiting')).toBe('true');
      expect(await seriousA11yViolations(owner.page)).toEqual([]);
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByTestId('not-this-step').getByText('Not your step yet').waitFor();
      await card
        .getByText("This request waits on step 1 (the requester's manager). You approve a later step", {
          exact: false,
        })
        .waitFor();
      expect((await requestsFor('ops'))[0]).toMatchObject({
        status: 'pending',
        currentStep: 0,
        approvals: [],
      });
      await screenshot(owner.page, 'approvals-not-this-step');
    });

    // Mona, the manager, is asked for step 1 and approves.
    await asPerson(w, w.org.people.mona, '/approvals', async (manager) => {
      const card = manager.page.getByTestId('approval').filter({ hasText: 'Deploy the fix' });
      await card
        .getByTestId('approval-step')
        .getByText("Step 1 of 2: the requester's manager · you are asked as their manager")
        .waitFor();
      await card.getByRole('button', { name: 'Approve' }).click();
      await manager.page.getByTestId('approvals-empty').waitFor();
      expect(manager.problems).toEqual([]);
    });
    expect((await requestsFor('ops'))[0]).toMatchObject({ status: 'pending', currentStep: 1 });

    // Now it is Omar's step.
    await asPerson(w, w.org.people.omar, '/approvals', async (owner) => {
      const card = owner.page.getByTestId('approval').filter({ hasText: 'Deploy the fix' });
      await card
        .getByTestId('approval-step')
        .getByText("Step 2 of 2: 1 approval from the group's approvers")
        .waitFor();
      expect(await card.getAttribute('data-waiting')).toBeNull();
      await card.getByRole('button', { name: 'Approve' }).click();
      await owner.page.getByTestId('approvals-empty').waitFor();
    });

    await asPerson(w, w.org.people.rhea, `/requests/${id}`, async (asker) => {
      await asker.page.getByTestId('request-status').getByText('approved').waitFor();
      const steps = asker.page.getByTestId('steps');
      await steps.getByText("Step 1: the requester's manager: approved by", { exact: false }).waitFor();
      await steps
        .getByText("Step 2: 1 approval from the group's approvers: approved by", { exact: false })
        .waitFor();
      expect(await seriousA11yViolations(asker.page)).toEqual([]);
      await screenshot(asker.page, 'request-steps');
      expect(asker.problems).toEqual([]);
    });
  });

  it('break-glass from /access: a loud warning, the grant at once, once a day; the owner finds the review in My reviews', async () => {
    await asPerson(w, w.org.people.rhea, '/access', async (asker) => {
      let form = await openRequest(asker, 'pager');
      await form.getByLabel('Break-glass: granted at once, for an emergency').check();
      await form.getByTestId('break-glass-warning').getByText('Everyone is told, at once').waitFor();
      expect(await seriousA11yViolations(asker.page)).toEqual([]);
      await screenshot(asker.page, 'access-break-glass');
      await form.getByLabel('Duration in minutes').fill('20');
      await form.getByRole('button', { name: 'Use break-glass' }).click();
      // A justification is required for break-glass, whatever the policy says otherwise.
      await form.getByText('This group needs a justification.').waitFor();
      expect(await requestsFor('pager')).toEqual([]);
      await form.getByLabel('Justification').fill('Pager storm, on call');
      await form.getByRole('button', { name: 'Use break-glass' }).click();
      await asker.page.getByText(`Break-glass access to ${names.pager} granted at once`).waitFor();
      const row = asker.page.getByTestId('grant-row').filter({ hasText: names.pager });
      await row.getByText(/^(19|20) min \d\d s left$/).waitFor({ timeout: 30_000 });
      expect((await requestsFor('pager'))[0]).toMatchObject({ status: 'approved', breakGlass: true });

      // Ended, then used again the same day: refused, and the form says why.
      await row.getByRole('button', { name: 'End now' }).click();
      await row.waitFor({ state: 'detached', timeout: 30_000 });
      form = await openRequest(asker, 'pager');
      await form.getByLabel('Break-glass: granted at once, for an emergency').check();
      await form.getByLabel('Justification').fill('Again');
      await form.getByRole('button', { name: 'Use break-glass' }).click();
      await form.getByTestId('request-refusal').getByText('Break-glass already used today').waitFor();
      expect(await requestsFor('pager')).toHaveLength(1);
      expect(asker.problems.filter((p) => !p.includes('status of 429'))).toEqual([]);
    });

    await asPerson(w, w.org.people.omar, '/reviews', async (owner) => {
      const item = owner.page
        .getByTestId('review-row')
        .filter({ hasText: 'Break-glass reviews' })
        .filter({ hasText: names.pager });
      await item.getByText('Pager storm, on call', { exact: false }).waitFor();
      expect(await seriousA11yViolations(owner.page)).toEqual([]);
      expect(owner.problems).toEqual([]);
    });
  });

  it('a scheduled request: at most 30 days ahead; once approved its grant reads "scheduled, starts at …"', async () => {
    const start = Date.now() + 2 * 86_400_000;
    await asPerson(w, w.org.people.rhea, '/access', async (asker) => {
      const form = await openRequest(asker, 'sched');
      await form.getByLabel('Duration in minutes').fill('30');
      await form.getByLabel('Start later').fill(localInput(Date.now() + 40 * 86_400_000));
      await form.getByRole('button', { name: 'Send request' }).click();
      expect(await fieldError(asker.page, 'Start later')).toBe('A request may start at most 30 days ahead.');
      expect(await requestsFor('sched')).toEqual([]);
      await form.getByLabel('Start later').fill(localInput(start));
      await form.getByRole('button', { name: 'Send request' }).click();
      await asker.page.getByText(`Request for ${names.sched} sent, to start at`).waitFor();
    });
    await asPerson(w, w.org.people.omar, '/approvals', async (owner) => {
      await owner.page
        .getByTestId('approval')
        .filter({ hasText: names.sched })
        .getByRole('button', { name: 'Approve' })
        .click();
      await owner.page
        .getByTestId('approval')
        .filter({ hasText: names.sched })
        .waitFor({ state: 'detached' });
    });
    const [approved] = await pollUntil(
      () => requestsFor('sched'),
      (rs) => rs[0]?.grant?.status === 'scheduled',
      (rs) => `not scheduled: ${JSON.stringify(rs)}`,
    );
    expect(Math.abs(Date.parse(approved.grant?.startsAt ?? '') - start)).toBeLessThan(60_000);
    await asPerson(w, w.org.people.rhea, '/access', async (asker) => {
      const row = asker.page.getByTestId('grant-row').filter({ hasText: names.sched });
      await row.getByText('grant scheduled').waitFor();
      await row
        .getByTestId('countdown')
        .getByText(/^scheduled, starts at /)
        .waitFor();
      await asker.page
        .getByTestId('request-state')
        .getByText(/^scheduled, starts at /)
        .waitFor();
      expect(await seriousA11yViolations(asker.page)).toEqual([]);
      await screenshot(asker.page, 'access-scheduled');
      expect(asker.problems).toEqual([]);
    });
  });
});

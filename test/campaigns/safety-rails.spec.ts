import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec } from '../../src/emulator/store';
import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RemediationPreviewResponse } from '../../src/campaigns/dto/remediation-preview.dto';
import { type TestApp } from '../helpers/app';
import {
  campaignBody,
  campaignItems,
  launchCampaign,
  plannedRemovals,
  waitForCampaign,
} from '../helpers/campaigns';
import { emulatorHasMember, localId, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { type ReceivedMail, startTestSmtp, type TestSmtp } from '../helpers/smtp';

const PUBLIC_URL = 'https://jumpgate.example.test';

/**
 * The safety rails of a close (API.md "Campaigns that run themselves"): the remediation preview, the
 * caps per group and per close, and held removals released only by a second admin (two after a
 * system close, never the bootstrap), against the emulator with the server's workers.
 */
describe('campaign safety rails: caps, held removals, second-admin release', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let smtp: TestSmtp;
  let connectionId: string;
  let closer: TestPrincipal;
  let second: TestPrincipal;
  let third: TestPrincipal;
  let auditor: TestPrincipal;
  let plain: TestPrincipal;
  let groupIndex = 0;
  // Groups earlier tests emptied in JumpCloud: a sync may mark them empty at any moment.
  const usedGroups = new Set<string>();

  /** Fresh static groups (each used by one test only), with their jumpgate ids. */
  async function freshGroups(n: number, min: number): Promise<{ rec: GroupRec; id: string }[]> {
    const groups = staticGroups(emu, min);
    const out: { rec: GroupRec; id: string }[] = [];
    for (let i = 0; i < n; i++) {
      const rec = groups[groupIndex++];
      if (!rec) throw new Error('no fresh group left');
      out.push({ rec, id: await localId(db, connectionId, 'directory_groups', rec.id) });
      usedGroups.add(out[out.length - 1].id);
    }
    return out;
  }
  const extOfAccount = async (accountId: string) =>
    (await db.query(`SELECT external_id FROM directory_accounts WHERE id = $1`, [accountId])).rows[0]
      .external_id as string;
  const extOfGroup = (groups: { rec: GroupRec; id: string }[], id: string) =>
    groups.find((g) => g.id === id)!.rec.id;
  const stillMember = async (groups: { rec: GroupRec; id: string }[], i: ReviewItemResponse) =>
    emulatorHasMember(emu, extOfGroup(groups, i.group!.id), await extOfAccount(i.account.id));
  const previewOf = async (id: string, token = auditor.token) => {
    const res = await t.request<RemediationPreviewResponse>(
      'GET',
      `/api/v1/campaigns/${id}/remediation-preview`,
      {
        token,
      },
    );
    expect(res.status).toBe(200);
    return res.body;
  };
  const release = (id: string, token: string) =>
    t.request<CampaignResponse & { code?: string }>('POST', `/api/v1/campaigns/${id}/release-held`, {
      token,
    });

  async function waitForMail(email: string, subject: RegExp): Promise<ReceivedMail> {
    const [mail] = await pollUntil(
      async () => smtp.mails.filter((m) => m.to.includes(email) && subject.test(m.subject)),
      (found) => found.length > 0,
      () => `no mail to ${email} matching ${subject}`,
    );
    return mail;
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 61, sizes: { users: 60, groups: 8, membershipsPerUser: 3, admins: 4, apps: 3 } },
      { env: { PUBLIC_URL, SMTP_URL: smtp.url, MAIL_FROM: 'jumpgate@example.com' } },
    ));
    closer = await createPrincipal(t, { roles: ['admin'] });
    second = await createPrincipal(t, { roles: ['admin'] });
    third = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    plain = await createPrincipal(t);
  });

  afterAll(async () => {
    await stopEmulatedOrg({ db, t, emu });
    await smtp?.stop();
  });

  it('takes the caps on create (defaults 0.5 and 500) and refuses bad ones with 400, creating nothing', async () => {
    const body = campaignBody(connectionId, closer.id, { name: 'caps defaults', reviewerIds: [third.id] });
    const created = await t.request<CampaignResponse>('POST', '/api/v1/campaigns', {
      token: closer.token,
      body,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      maxRevokeSharePerGroup: 0.5,
      maxRevokesPerClose: 500,
      closedBy: null,
    });
    expect(created.body.progress.held).toBe(0);
    const before = (await db.query(`SELECT count(*)::int AS n FROM campaigns`)).rows[0].n as number;
    for (const bad of [
      { maxRevokeSharePerGroup: 1.5 },
      { maxRevokeSharePerGroup: -0.1 },
      { maxRevokeSharePerGroup: 'half' },
      { maxRevokesPerClose: 2.5 },
      { maxRevokesPerClose: -1 },
    ]) {
      const res = await t.request('POST', '/api/v1/campaigns', {
        token: closer.token,
        body: campaignBody(connectionId, closer.id, { reviewerIds: [third.id], ...bad }),
      });
      expect([JSON.stringify(bad), res.status]).toEqual([JSON.stringify(bad), 400]);
    }
    expect((await db.query(`SELECT count(*)::int AS n FROM campaigns`)).rows[0].n).toBe(before);
  });

  it('a close over the caps holds the excess; the closer and the bootstrap cannot release it, a second admin does', async () => {
    const groups = await freshGroups(2, 6);
    const share = 0.3;
    const counts = groups.map((g) => Math.floor(share * g.rec.size));
    // The cap per close bites too: one fewer than the groups' caps allow.
    const max = counts[0] + counts[1] - 1;
    const c = await launchCampaign(t, closer, auditor, {
      ...campaignBody(connectionId, third.id, {
        name: 'over the caps',
        scope: { groupIds: groups.map((g) => g.id) },
        reviewerIds: [third.id],
        defaultDecision: 'revoke',
        maxRevokeSharePerGroup: share,
        maxRevokesPerClose: max,
      }),
    });
    const items = await campaignItems(t, auditor.token, c.id);
    expect(items.length).toBe(groups[0].rec.size + groups[1].rec.size);
    const applied = plannedRemovals(items, { share, maxPerClose: max });
    expect(applied.size).toBe(max);

    // The preview before close: every pending item becomes a revoke under the default; each group would
    // be emptied; the caps would hold the rest.
    const before = await previewOf(c.id);
    expect(before.total).toBe(items.length);
    expect(before.wouldHold).toBe(items.length - max);
    expect(before.groups.map((g) => [g.groupId, g.memberCount, g.removals, g.share]).sort()).toEqual(
      groups.map((g) => [g.id, g.rec.size, g.rec.size, 1]).sort(),
    );
    expect(before.groups.reduce((n, g) => n + g.held, 0)).toBe(items.length - max);
    const empty = before.warnings.filter((w) => w.code === 'group_would_become_empty').map((w) => w.groupId);
    expect(empty.sort()).toEqual(groups.map((g) => g.id).sort());
    expect(before.release).toEqual({ approvalsRequired: 2, approvals: [] });
    // An ordinary principal may not read it; nothing is held before the close.
    expect(
      (await t.request('GET', `/api/v1/campaigns/${c.id}/remediation-preview`, { token: plain.token }))
        .status,
    ).toBe(403);
    expect((await release(c.id, second.token)).status).toBe(409);

    const close = await t.request('POST', `/api/v1/campaigns/${c.id}/close`, { token: closer.token });
    expect(close.status).toBe(202);
    const closed = await waitForCampaign(t, auditor.token, c.id, 'closed');
    expect(closed.closedBy).toBe(closer.id);
    expect(closed.progress).toMatchObject({ revoked: items.length, held: items.length - max });
    const after = await campaignItems(t, auditor.token, c.id);
    for (const i of after) {
      expect([i.id, i.remediation]).toEqual([i.id, applied.has(i.id) ? 'pending' : 'held']);
    }
    // `?remediation=held` lists exactly the held ones (the admin page's list); a bad value: 400.
    const heldList = await t.request<{ items: ReviewItemResponse[] }>(
      'GET',
      `/api/v1/campaigns/${c.id}/items?remediation=held&limit=500`,
      { token: auditor.token },
    );
    expect(heldList.body.items.map((i) => i.id).sort()).toEqual(
      after
        .filter((i) => !applied.has(i.id))
        .map((i) => i.id)
        .sort(),
    );
    expect(
      (await t.request('GET', `/api/v1/campaigns/${c.id}/items?remediation=gone`, { token: auditor.token }))
        .status,
    ).toBe(400);
    // The preview of a closed campaign says what it holds, and that the closer's release needs one admin.
    const closedPreview = await previewOf(c.id);
    expect([closedPreview.total, closedPreview.wouldHold, closedPreview.closedBy]).toEqual([
      items.length,
      items.length - max,
      closer.id,
    ]);
    expect(closedPreview.release.approvalsRequired).toBe(1);

    // Exactly the applied ones leave JumpCloud; the held ones stay.
    await pollUntil(
      async () => Promise.all(after.filter((i) => applied.has(i.id)).map((i) => stillMember(groups, i))),
      (still) => still.every((x) => !x),
      () => 'applied removals still in JumpCloud',
      { timeoutMs: 60_000 },
    );
    for (const i of after.filter((x) => !applied.has(x.id))) expect(await stillMember(groups, i)).toBe(true);

    // The admins are told, with a link to the campaign.
    const mail = await waitForMail(second.email, /Removals held/);
    expect(mail.text).toContain(`${PUBLIC_URL}/admin/campaigns/${c.id}`);

    // The closer and the bootstrap: 403 second_admin_required; an auditor: 403; nothing changes.
    for (const token of [closer.token, BOOTSTRAP_TOKEN]) {
      const refused = await release(c.id, token);
      expect([refused.status, refused.body.code]).toEqual([403, 'second_admin_required']);
    }
    expect((await release(c.id, auditor.token)).status).toBe(403);
    expect(
      (await t.request<CampaignResponse>('GET', `/api/v1/campaigns/${c.id}`, { token: auditor.token })).body
        .progress.held,
    ).toBe(items.length - max);

    // A second admin: 200, nothing held any more, and the held memberships leave JumpCloud.
    const ok = await release(c.id, second.token);
    expect(ok.status).toBe(200);
    expect(ok.body.progress.held).toBe(0);
    const released = await campaignItems(t, auditor.token, c.id);
    expect(released.filter((i) => i.remediation === 'held')).toEqual([]);
    await pollUntil(
      async () => Promise.all(released.map((i) => stillMember(groups, i))),
      (still) => still.every((x) => !x),
      () => 'released removals still in JumpCloud',
      { timeoutMs: 60_000 },
    );
    // Released once: a second call has nothing to release.
    expect((await release(c.id, third.token)).status).toBe(409);
    const events = await t.request('GET', `/api/v1/audit-events?targetId=${c.id}&limit=500`, {
      token: auditor.token,
    });
    const released_ = events.body.items.filter(
      (e: { action: string }) => e.action === 'campaign.held_released',
    );
    expect(released_).toHaveLength(1);
    expect(released_[0]).toMatchObject({
      actor: { id: second.id },
      data: { released: items.length - max, closedBy: closer.id },
    });
  }, 240_000);

  it('a campaign the system closed (dueAt) needs two admins: the first approval is 202, the second releases', async () => {
    const [g] = await freshGroups(1, 4);
    const c = await launchCampaign(t, closer, auditor, {
      ...campaignBody(connectionId, third.id, {
        name: 'closed by the clock',
        scope: { groupIds: [g.id] },
        reviewerIds: [third.id],
        defaultDecision: 'revoke',
        maxRevokeSharePerGroup: 0,
        dueAt: new Date(Date.now() + 4_000).toISOString(),
      }),
    });
    const closed = await waitForCampaign(t, auditor.token, c.id, 'closed', 60_000);
    expect(closed.closedBy).toBeNull();
    // A share of 0 holds every removal: nothing left JumpCloud.
    expect(closed.progress.held).toBe(g.rec.size);
    const items = await campaignItems(t, auditor.token, c.id);
    for (const i of items) expect(await stillMember([g], i)).toBe(true);

    expect((await release(c.id, BOOTSTRAP_TOKEN)).body.code).toBe('second_admin_required');
    const first = await release(c.id, closer.token);
    expect([first.status, first.body.progress.held]).toEqual([202, g.rec.size]);
    // The same admin again is still one approval.
    expect((await release(c.id, closer.token)).status).toBe(202);
    const preview = await previewOf(c.id);
    expect(preview.release.approvalsRequired).toBe(2);
    expect(preview.release.approvals.map((a) => a.principalId)).toEqual([closer.id]);
    for (const i of items) expect(await stillMember([g], i)).toBe(true);

    const secondOk = await release(c.id, second.token);
    expect([secondOk.status, secondOk.body.progress.held]).toEqual([200, 0]);
    await pollUntil(
      async () => Promise.all(items.map((i) => stillMember([g], i))),
      (still) => still.every((x) => !x),
      () => 'released removals still in JumpCloud',
      { timeoutMs: 60_000 },
    );
    const events = await t.request('GET', `/api/v1/audit-events?targetId=${c.id}&limit=500`, {
      token: auditor.token,
    });
    const actions = events.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'campaign.held_release_approved')).toHaveLength(2);
    expect(actions.filter((a: string) => a === 'campaign.held_released')).toHaveLength(1);
  }, 240_000);

  it('the preview warns of groups bound to applications, administrators among the removals and emptied groups', async () => {
    // Every group, all revoked by default: never closed (cancelled at the end).
    const c = await launchCampaign(t, closer, auditor, {
      ...campaignBody(connectionId, third.id, {
        name: 'everything',
        reviewerIds: [third.id],
        defaultDecision: 'revoke',
      }),
    });
    const items = await campaignItems(t, auditor.token, c.id);
    const preview = await previewOf(c.id);
    expect(preview.total).toBe(items.length);
    const byCode = (code: string) => preview.warnings.filter((w) => w.code === code);

    const boundRows = (
      await db.query<{ group_id: string; id: string; name: string }>(
        `SELECT ag.group_id, a.id, a.name FROM directory_application_groups ag
         JOIN directory_applications a ON a.id = ag.application_id AND a.removed_at IS NULL
         WHERE ag.connection_id = $1`,
        [connectionId],
      )
    ).rows;
    const itemGroups = new Set(items.map((i) => i.group!.id));
    const boundGroups = [...new Set(boundRows.map((r) => r.group_id))].filter((g) => itemGroups.has(g));
    expect(boundGroups.length).toBeGreaterThan(0);
    expect(
      byCode('group_bound_to_applications')
        .map((w) => w.groupId)
        .sort(),
    ).toEqual(boundGroups.sort());
    for (const w of byCode('group_bound_to_applications')) {
      expect(w.applications.map((a) => a.id).sort()).toEqual(
        boundRows
          .filter((r) => r.group_id === w.groupId)
          .map((r) => r.id)
          .sort(),
      );
      expect(w.message).toContain(w.applications[0].name);
    }

    const adminItems = items.filter((i) => i.account.isAdministrator);
    expect(adminItems.length).toBeGreaterThan(0);
    expect(
      byCode('administrator_account')
        .map((w) => `${w.groupId}:${w.accountId}`)
        .sort(),
    ).toEqual(adminItems.map((i) => `${i.group!.id}:${i.account.id}`).sort());
    // Every group loses every member (a group already emptied by an earlier test's release is left
    // out: once a sync sees it empty there is nothing left to warn about).
    const settled = (g: string | null) => g !== null && !usedGroups.has(g);
    expect(
      byCode('group_would_become_empty')
        .map((w) => w.groupId)
        .filter(settled)
        .sort(),
    ).toEqual([...itemGroups].filter(settled).sort());
    expect(preview.warnings.every((w) => w.message.length > 0)).toBe(true);
    expect(
      (await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: closer.token })).status,
    ).toBe(200);
  }, 120_000);

  it('unknown campaign: 404; a path id that is not a UUID: 400', async () => {
    const missing = '00000000-0000-4000-8000-000000000001';
    expect(
      (await t.request('GET', `/api/v1/campaigns/${missing}/remediation-preview`, { token: auditor.token }))
        .status,
    ).toBe(404);
    expect((await release(missing, second.token)).status).toBe(404);
    expect(
      (await t.request('GET', `/api/v1/campaigns/nope/remediation-preview`, { token: auditor.token })).status,
    ).toBe(400);
  });
});

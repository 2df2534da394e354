import { type Client } from 'pg';
import {
  type CampaignPreviewResponse,
  type CampaignProgressListResponse,
  type ReviewsSummaryResponse,
} from '../../src/campaigns/dto/campaign-progress.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec } from '../../src/emulator/store';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, launchCampaign } from '../helpers/campaigns';
import { groupMembers, localId, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

/**
 * API.md's three read routes for the web app: `POST /campaigns/preview` (a launch counted, nothing
 * created), `GET /campaigns/{id}/progress?by=` and `GET /reviews/summary`, against the emulator.
 */
describe('campaign preview, progress and reviewer summary', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let used = 0;

  const s = () => emu.emulator.store;
  const groupId = (g: GroupRec) => localId(db, connectionId, 'directory_groups', g.id);
  const preview = (body: Record<string, unknown>, token = admin.token) =>
    t.request<CampaignPreviewResponse>('POST', '/api/v1/campaigns/preview', { token, body });

  /** Rows of every table a preview could write, to prove it wrote none. */
  const footprint = async () =>
    (
      await db.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM campaigns)::int AS campaigns,
                (SELECT count(*) FROM review_items)::int AS items,
                (SELECT count(*) FROM principals)::int AS principals,
                (SELECT count(*) FROM audit_events)::int AS audit`,
      )
    ).rows[0];

  /** Launched items counted per reviewer email (lower case), as the launch assigned them. */
  async function launchedPerReviewerEmail(campaignId: string): Promise<Record<string, number>> {
    const rows = await db.query<{ e: string; n: number }>(
      `SELECT lower(p.email) AS e, count(*)::int AS n FROM review_items i JOIN principals p ON p.id = i.reviewer_id
       WHERE i.campaign_id = $1 GROUP BY 1`,
      [campaignId],
    );
    return Object.fromEntries(rows.rows.map((r) => [r.e, r.n]));
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 97,
      sizes: { users: 80, groups: 20, membershipsPerUser: 3, admins: 4, apps: 3 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('previews a manager-strategy launch exactly, creating nothing, and the launch then matches it', async () => {
    // Groups with members who have a manager and members who have none (the fallbacks take those).
    const groups = staticGroups(emu, 3).filter(
      (g) =>
        groupMembers(emu, g).some((u) => u.manager >= 0) && groupMembers(emu, g).some((u) => u.manager < 0),
    );
    const managersOf = (g: GroupRec[]) =>
      new Set(
        g
          .flatMap((x) => groupMembers(emu, x))
          .filter((u) => u.manager >= 0)
          .map((u) => s().users[u.manager].email.toLowerCase()),
      );
    const chosen = groups.slice(0, 2);
    const members = chosen.flatMap((g) => groupMembers(emu, g));
    // The first fallback is a member without a manager: their own item goes to the second fallback.
    const memberWithoutManager = members.find((u) => u.manager < 0)!;
    const fallback1 = await createPrincipal(t, { email: memberWithoutManager.email });
    const managerEmails = [...managersOf(chosen)].filter(
      (e) => e !== memberWithoutManager.email.toLowerCase(),
    );
    // One manager already has a principal, disabled: a launch gives its items to the fallback.
    const disabledManager = await createPrincipal(t, { email: managerEmails[0] });
    await t.request('PATCH', `/api/v1/principals/${disabledManager.id}`, {
      token: BOOTSTRAP_TOKEN,
      body: { disabled: true },
    });
    const fallback2 = await createPrincipal(t);
    const body = campaignBody(connectionId, fallback1.id, {
      scope: { groupIds: await Promise.all(chosen.map(groupId)) },
      reviewerStrategy: 'manager',
      fallbackReviewerIds: [fallback1.id, fallback2.id],
    });

    const before = await footprint();
    const res = await preview(body);
    expect(res.status).toBe(200);
    expect(await footprint()).toEqual(before);

    // An oracle from the emulator's own records: who should review each membership.
    const fallbackCount = members.filter((u) => {
      const mgr = u.manager >= 0 ? s().users[u.manager].email.toLowerCase() : null;
      return mgr === null || mgr === managerEmails[0] || mgr === u.email.toLowerCase();
    }).length;
    expect(res.body).toMatchObject({
      items: members.length,
      groups: 2,
      fallbackItems: fallbackCount,
      unassignedItems: 0,
    });
    // Managers without a principal are named by email, with no id: the launch creates them.
    const toBeCreated = res.body.reviewers.filter((r) => r.id === null).map((r) => r.email.toLowerCase());
    expect(toBeCreated.length).toBeGreaterThan(0);
    for (const e of toBeCreated) expect(managerEmails).toContain(e);
    expect(res.body.reviewers.find((r) => r.id === fallback2.id)?.items).toBeGreaterThanOrEqual(1);
    expect(res.body.reviewers.map((r) => r.email.toLowerCase())).not.toContain(managerEmails[0]);

    const campaign = await launchCampaign(t, admin, auditor, body);
    const previewed = Object.fromEntries(res.body.reviewers.map((r) => [r.email.toLowerCase(), r.items]));
    expect(await launchedPerReviewerEmail(campaign.id)).toEqual(previewed);
    expect(campaign.progress.total).toBe(res.body.items);
    const items = await campaignItems(t, auditor.token, campaign.id);
    expect(new Set(items.map((i) => i.group?.id)).size).toBe(res.body.groups);
  });

  it('previews named reviewers and a scope of every group exactly as the launch deals them', async () => {
    const [r1, r2, fallback] = [await createPrincipal(t), await createPrincipal(t), await createPrincipal(t)];
    const body = campaignBody(connectionId, fallback.id, { reviewerIds: [r1.id, r2.id] });
    const res = await preview(body);
    expect(res.status).toBe(200);
    const campaign = await launchCampaign(t, admin, auditor, body);
    const launched = await launchedPerReviewerEmail(campaign.id);
    expect(Object.fromEntries(res.body.reviewers.map((r) => [r.email.toLowerCase(), r.items]))).toEqual(
      launched,
    );
    expect(res.body.items).toBe(campaign.progress.total);
    expect(res.body.reviewers.map((r) => r.id).sort()).toEqual([r1.id, r2.id].sort());
    expect(res.body.fallbackItems).toBe(0);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(DISTINCT group_id)::int AS n FROM review_items WHERE campaign_id = $1`,
      [campaign.id],
    );
    expect(res.body.groups).toBe(rows[0].n);
  });

  it('refuses bad preview bodies with 400 and creates nothing; only admins may preview', async () => {
    const fallback = await createPrincipal(t);
    const good = campaignBody(connectionId, fallback.id, { reviewerIds: [fallback.id] });
    const before = await footprint();
    for (const change of [
      { fallbackReviewerIds: [] },
      { reviewerStrategy: 'everyone' },
      { surprise: true },
      { scope: { groupIds: ['00000000-0000-4000-8000-000000000001'] } },
      { connectionId: '00000000-0000-4000-8000-000000000001' },
      { dueAt: new Date(Date.now() - 60_000).toISOString() },
      { reviewerIds: [] },
    ]) {
      const res = await preview({ ...good, ...change });
      expect({ change, status: res.status }).toEqual({ change, status: 400 });
    }
    expect((await preview(good, auditor.token)).status).toBe(403);
    expect((await t.request('POST', '/api/v1/campaigns/preview', { body: good })).status).toBe(401);
    expect(await footprint()).toEqual(before);
  });

  it('counts progress by reviewer and by group in the database, as the items say', async () => {
    const groups = staticGroups(emu, 3).slice(used, used + 2);
    used += 2;
    const [r1, r2, fallback] = [
      await createPrincipal(t, { displayName: 'Reviewer One' }),
      await createPrincipal(t, { displayName: 'Reviewer Two' }),
      await createPrincipal(t),
    ];
    const campaign = await launchCampaign(
      t,
      admin,
      auditor,
      campaignBody(connectionId, fallback.id, {
        scope: { groupIds: await Promise.all(groups.map(groupId)) },
        reviewerIds: [r1.id, r2.id],
      }),
    );
    const items = await campaignItems(t, auditor.token, campaign.id);
    const mine = items.filter((i) => i.reviewerId === r1.id);
    const decide = (id: string, decision: string) =>
      t.request('POST', `/api/v1/review-items/${id}/decision`, {
        token: r1.token,
        body: { decision, justification: 'progress' },
      });
    expect((await decide(mine[0].id, 'keep')).status).toBe(200);
    expect((await decide(mine[1].id, 'revoke')).status).toBe(200);

    const count = (list: typeof items) => ({
      total: list.length,
      pending: list.length - (list === mine ? 2 : 0),
      kept: list === mine ? 1 : 0,
      revoked: list === mine ? 1 : 0,
      converted: 0,
      expired: 0,
    });
    const byReviewer = await t.request<CampaignProgressListResponse>(
      'GET',
      `/api/v1/campaigns/${campaign.id}/progress?by=reviewer`,
      { token: auditor.token },
    );
    expect(byReviewer.status).toBe(200);
    expect(byReviewer.body.items).toEqual([
      { key: { id: r1.id, name: 'Reviewer One' }, ...count(mine) },
      { key: { id: r2.id, name: 'Reviewer Two' }, ...count(items.filter((i) => i.reviewerId === r2.id)) },
    ]);

    const byGroup = await t.request<CampaignProgressListResponse>(
      'GET',
      `/api/v1/campaigns/${campaign.id}/progress?by=group`,
      { token: admin.token },
    );
    expect(byGroup.status).toBe(200);
    const groupRows = byGroup.body.items;
    expect(groupRows.map((r) => r.key.name).sort()).toEqual(groups.map((g) => g.name).sort());
    for (const row of groupRows) {
      const ofGroup = items.filter((i) => i.group?.id === row.key.id);
      expect(row.total).toBe(ofGroup.length);
      const decidedHere = ofGroup.filter((i) => i.id === mine[0].id || i.id === mine[1].id).length;
      expect(row.pending).toBe(ofGroup.length - decidedHere);
    }
    expect(groupRows.reduce((n, r) => n + r.kept + r.revoked, 0)).toBe(2);

    const path = (q: string) => `/api/v1/campaigns/${campaign.id}/progress${q}`;
    for (const q of ['?by=account', '', '?by=reviewer&extra=1']) {
      expect({ q, status: (await t.request('GET', path(q), { token: admin.token })).status }).toEqual({
        q,
        status: 400,
      });
    }
    const none = '/api/v1/campaigns/00000000-0000-4000-8000-000000000001/progress?by=group';
    expect((await t.request('GET', none, { token: admin.token })).status).toBe(404);
    expect(
      (await t.request('GET', '/api/v1/campaigns/nope/progress?by=group', { token: admin.token })).status,
    ).toBe(400);
    expect((await t.request('GET', path('?by=group'), { token: r1.token })).status).toBe(403);
  });

  it("summarises a reviewer's own items per launched campaign, and nobody else's", async () => {
    const groups = staticGroups(emu, 3).slice(used, used + 2);
    used += 2;
    const [reviewer, other, fallback] = [
      await createPrincipal(t),
      await createPrincipal(t),
      await createPrincipal(t),
    ];
    const launchFor = (g: GroupRec[], name: string) =>
      Promise.all(g.map(groupId)).then((ids) =>
        launchCampaign(
          t,
          admin,
          auditor,
          campaignBody(connectionId, fallback.id, {
            name,
            scope: { groupIds: ids },
            reviewerIds: [reviewer.id, other.id],
          }),
        ),
      );
    const first = await launchFor(groups, 'Summary one');
    const second = await launchFor([groups[0]], 'Summary two');
    // A draft campaign's items do not exist yet: it is not in the summary.
    await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: campaignBody(connectionId, fallback.id, { reviewerIds: [reviewer.id] }),
    });
    const firstItems = (await campaignItems(t, auditor.token, first.id)).filter(
      (i) => i.reviewerId === reviewer.id,
    );
    const secondItems = (await campaignItems(t, auditor.token, second.id)).filter(
      (i) => i.reviewerId === reviewer.id,
    );
    const decided = await t.request('POST', `/api/v1/review-items/${firstItems[0].id}/decision`, {
      token: reviewer.token,
      body: { decision: 'keep' },
    });
    expect(decided.status).toBe(200);

    const res = await t.request<ReviewsSummaryResponse>('GET', '/api/v1/reviews/summary', {
      token: reviewer.token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          campaign: { id: first.id, name: 'Summary one', dueAt: first.dueAt },
          total: firstItems.length,
          pending: firstItems.length - 1,
          decided: 1,
        },
        {
          campaign: { id: second.id, name: 'Summary two', dueAt: second.dueAt },
          total: secondItems.length,
          pending: secondItems.length,
          decided: 0,
        },
      ],
    });
    const nobody = await createPrincipal(t);
    expect((await t.request('GET', '/api/v1/reviews/summary', { token: nobody.token })).body).toEqual({
      items: [],
    });
    expect((await t.request('GET', '/api/v1/reviews/summary')).status).toBe(401);
  });
});

import { type Client } from 'pg';
import { DataSource } from 'typeorm';
import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec, type UserRec } from '../../src/emulator/store';
import { StandingReviews, type StandingReviewRequest } from '../../src/platform/standing-reviews';
import { type TestApp } from '../helpers/app';
import { syncNow } from '../helpers/jumpcloud';
import {
  emulatorHasMember,
  groupMembers,
  localId,
  staticGroups,
  startEmulatedOrg,
  stopEmulatedOrg,
} from '../helpers/org';
import { pollUntil, sleep } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { waitForOps } from '../helpers/provisioning';

/**
 * Standing campaigns (API.md "Campaigns that run themselves"), fed through the real StandingReviews
 * port by a test-only emitter: what access (break-glass) and directory (drift) do inside their own
 * transaction. Everything else is the REST API against the emulator.
 */
describe('standing campaigns', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let port: StandingReviews;
  let dataSource: DataSource;
  let usedGroups = 0;
  let keys = 0;

  /** The test emitter: hands memberships over inside a transaction of its own, as a domain would. */
  const emit = (requests: StandingReviewRequest[]) =>
    dataSource.transaction((m) => port.request(m, requests));

  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);

  async function freshGroup(): Promise<{ rec: GroupRec; id: string; members: UserRec[] }> {
    const rec = staticGroups(emu, 3)[usedGroups++];
    if (!rec) throw new Error('no fresh group left');
    return { rec, id: await idOf('directory_groups', rec.id), members: groupMembers(emu, rec) };
  }

  async function breakGlass(g: { id: string }, u: UserRec, extra: Partial<StandingReviewRequest> = {}) {
    const [itemId] = await emit([
      {
        purpose: 'break_glass',
        connectionId,
        accountId: await idOf('directory_accounts', u.id),
        groupId: g.id,
        reason: 'Break-glass access used: production incident',
        key: `req-${++keys}`,
        ...extra,
      },
    ]);
    return itemId;
  }

  const putOwners = async (groupId: string, ownerIds: string[]) => {
    const res = await t.request('PUT', `/api/v1/groups/${groupId}/policy`, {
      token: admin.token,
      body: { ownerIds, requestable: false, maxDurationMinutes: 60, requireJustification: false },
    });
    expect(res.status).toBe(200);
  };

  const reviewsOf = async (p: TestPrincipal): Promise<ReviewItemResponse[]> => {
    const res = await t.request('GET', '/api/v1/reviews?limit=500', { token: p.token });
    expect(res.status).toBe(200);
    return res.body.items as ReviewItemResponse[];
  };

  const standingCampaigns = async (): Promise<CampaignResponse[]> => {
    const res = await t.request('GET', '/api/v1/campaigns?limit=500', { token: auditor.token });
    expect(res.status).toBe(200);
    return (res.body.items as CampaignResponse[]).filter((c) => c.kind === 'standing');
  };

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 2020,
      sizes: { users: 60, groups: 16, membershipsPerUser: 3, admins: 2, apps: 3 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    port = t.app.get(StandingReviews);
    dataSource = t.app.get(DataSource);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it("an event creates the connection's standing campaign on first use and an item in the owner's /reviews", async () => {
    const g = await freshGroup();
    const owner = await createPrincipal(t);
    await putOwners(g.id, [owner.id]);
    const member = g.members[0];
    const itemId = await breakGlass(g, member);
    expect(itemId).toEqual(expect.any(String));

    const [campaign] = await standingCampaigns();
    expect(campaign).toMatchObject({
      connectionId,
      name: 'Break-glass reviews',
      kind: 'standing',
      purpose: 'break_glass',
      status: 'active',
      dueAt: null,
      closedAt: null,
    });
    expect(campaign.launchedAt).toEqual(expect.any(String));

    const mine = (await reviewsOf(owner)).filter((i) => i.id === itemId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      campaignId: campaign.id,
      campaign: { id: campaign.id, name: 'Break-glass reviews', dueAt: null },
      account: { email: member.email, kind: 'user' },
      group: { id: g.id, name: g.rec.name },
      reviewerId: owner.id,
      status: 'pending',
      decision: null,
      remediation: 'none',
      recommendation: { value: 'review', reason: 'Break-glass access used: production incident' },
    });
    // The other kind of campaign stays regular.
    const created = await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: {
        connectionId,
        name: 'Regular',
        scope: { groupIds: [g.id] },
        reviewerStrategy: 'group_owner',
        fallbackReviewerIds: [admin.id],
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        defaultDecision: 'none',
        autoRemediate: true,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'regular', purpose: null });

    // Audited: the campaign's creation and the item, by the system.
    const events = await t.request('GET', `/api/v1/audit-events?targetId=${itemId}`, {
      token: auditor.token,
    });
    expect(events.body.items).toEqual([
      expect.objectContaining({
        action: 'campaign.item.created',
        actor: expect.objectContaining({ type: 'system' }),
        data: expect.objectContaining({
          purpose: 'break_glass',
          reviewerId: owner.id,
          campaignId: campaign.id,
        }),
      }),
    ]);
  });

  it('the same event key twice makes one item; a new event about the same membership makes another', async () => {
    const g = await freshGroup();
    const member = g.members[0];
    const first = await breakGlass(g, member, { key: 'replayed-key' });
    const again = await breakGlass(g, member, { key: 'replayed-key' });
    expect(again).toBe(first);
    const next = await breakGlass(g, member);
    expect(next).not.toBe(first);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM review_items WHERE group_id = $1 AND account_id = $2`,
      [g.id, await idOf('directory_accounts', member.id)],
    );
    expect(rows[0].n).toBe(2);
  });

  it('reviewer rule: never the member; with no other owner, the earliest-created admin (never the bootstrap)', async () => {
    const g = await freshGroup();
    const member = g.members[1];
    // The member owns the group: the item skips them and goes to the next owner.
    const memberPrincipal = await createPrincipal(t, { email: member.email, roles: ['admin'] });
    const second = await createPrincipal(t);
    await putOwners(g.id, [memberPrincipal.id, second.id]);
    const toSecond = await breakGlass(g, member);
    expect((await reviewsOf(second)).map((i) => i.id)).toContain(toSecond);

    // Only the member owns it: the earliest-created admin that is neither the member nor the bootstrap
    // (`admin`, created before any other admin here; the bootstrap is older still).
    await putOwners(g.id, [memberPrincipal.id]);
    const toAdmin = await breakGlass(g, member);
    expect((await reviewsOf(admin)).find((i) => i.id === toAdmin)?.reviewerId).toBe(admin.id);
    expect((await reviewsOf(memberPrincipal)).map((i) => i.id)).not.toContain(toAdmin);

    // No policy at all: the same admin. And the member, an admin, may not decide about themself.
    const h = await freshGroup();
    const toAdminToo = await breakGlass(h, h.members[0]);
    const items = await reviewsOf(admin);
    expect(items.find((i) => i.id === toAdminToo)?.reviewerId).toBe(admin.id);
    const self = await t.request('POST', `/api/v1/review-items/${toAdmin}/decision`, {
      token: memberPrincipal.token,
      body: { decision: 'keep' },
    });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('separation_of_duties');
  });

  it('a revoke is remediated at once through the outbox: the emulator no longer has the member', async () => {
    const g = await freshGroup();
    const owner = await createPrincipal(t);
    await putOwners(g.id, [owner.id]);
    const member = g.members[0];
    expect(emulatorHasMember(emu, g.rec.id, member.id)).toBe(true);
    const itemId = (await breakGlass(g, member))!;

    // Nobody else may decide it; a revoke needs a justification (400, nothing changes).
    const stranger = await createPrincipal(t, { roles: ['auditor'] });
    const refused = await t.request('POST', `/api/v1/review-items/${itemId}/decision`, {
      token: stranger.token,
      body: { decision: 'revoke', justification: 'x' },
    });
    expect(refused.status).toBe(403);
    const bare = await t.request('POST', `/api/v1/review-items/${itemId}/decision`, {
      token: owner.token,
      body: { decision: 'revoke' },
    });
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe('justification_required');
    expect(
      (
        await db.query(`SELECT count(*)::int AS n FROM provisioning_operations WHERE source_id = $1`, [
          itemId,
        ])
      ).rows[0].n,
    ).toBe(0);

    const decided = await t.request('POST', `/api/v1/review-items/${itemId}/decision`, {
      token: owner.token,
      body: { decision: 'revoke', justification: 'Incident over; no standing need' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'decided', decision: 'revoke', remediation: 'pending' });
    const { rows } = await db.query(`SELECT operation_id FROM review_items WHERE id = $1`, [itemId]);
    const [op] = await waitForOps(t, [rows[0].operation_id]);
    expect(op).toMatchObject({
      action: 'remove_member',
      status: 'succeeded',
      sourceType: 'review_item',
      sourceId: itemId,
    });
    expect(emulatorHasMember(emu, g.rec.id, member.id)).toBe(false);

    // The decision is final: it was acted on.
    const change = await t.request('POST', `/api/v1/review-items/${itemId}/decision`, {
      token: owner.token,
      body: { decision: 'keep' },
    });
    expect(change.status).toBe(409);
    expect(change.body.code).toBe('invalid_state');

    // The next sync confirms it (verification follows the sync's commit): remediation done.
    await syncNow(t, connectionId);
    await pollUntil(
      async () => (await reviewsOf(owner)).find((i) => i.id === itemId)!,
      (i) => i.remediation === 'done',
      (i) => `remediation is ${i.remediation}, not done`,
    );
  });

  it('a keep removes nothing and certifies the membership at once, for 365 days: a delta campaign then carries it', async () => {
    const g = await freshGroup();
    const owner = await createPrincipal(t);
    await putOwners(g.id, [owner.id]);
    const member = g.members[2];
    const accountId = await idOf('directory_accounts', member.id);
    // Two uses of the same membership, both kept in one batch: one certification, not two.
    const itemIds = [(await breakGlass(g, member))!, (await breakGlass(g, member))!];
    const before = Date.now();
    const kept = await t.request('POST', '/api/v1/reviews/decisions', {
      token: owner.token,
      body: { decisions: itemIds.map((itemId) => ({ itemId, decision: 'keep' })) },
    });
    expect(kept.body).toEqual({ applied: 2, rejected: [] });
    const items = (await reviewsOf(owner)).filter((i) => itemIds.includes(i.id));
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(item).toMatchObject({ status: 'decided', decision: 'keep', remediation: 'none' });
      const until = new Date(item.certifiedUntil!).getTime();
      expect(until).toBeGreaterThanOrEqual(before + 365 * 86_400_000);
      expect(until).toBeLessThan(Date.now() + 365 * 86_400_000 + 1_000);
    }
    const certs = await t.request('GET', `/api/v1/certifications?groupId=${g.id}&accountId=${accountId}`, {
      token: auditor.token,
    });
    expect(certs.body.items).toEqual([
      expect.objectContaining({
        accountId,
        groupId: g.id,
        campaignId: items[0].campaignId,
        reviewerId: owner.id,
        certifiedUntil: items[0].certifiedUntil,
      }),
    ]);
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM provisioning_operations WHERE source_id = ANY($1::uuid[])`,
          [itemIds],
        )
      ).rows[0].n,
    ).toBe(0);
    expect(emulatorHasMember(emu, g.rec.id, member.id)).toBe(true);

    // A delta campaign over the group reviews the other members and carries the one kept here.
    const created = await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: {
        connectionId,
        name: 'Delta after a standing keep',
        scope: { groupIds: [g.id] },
        reviewerStrategy: 'named',
        reviewerIds: [owner.id],
        fallbackReviewerIds: [admin.id],
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        defaultDecision: 'none',
        autoRemediate: false,
        mode: 'delta',
      },
    });
    expect(created.status).toBe(201);
    const launched = await t.request('POST', `/api/v1/campaigns/${created.body.id}/launch`, {
      token: admin.token,
    });
    expect(launched.status).toBe(202);
    const delta = await pollUntil(
      async () =>
        (
          await t.request<CampaignResponse>('GET', `/api/v1/campaigns/${created.body.id}`, {
            token: auditor.token,
          })
        ).body,
      (c) => c.status === 'active',
      (c) => `delta campaign is ${c.status}`,
    );
    expect(delta.progress).toMatchObject({ total: g.members.length - 1, carried: 1 });
  });

  it('a standing campaign is never launched, closed or cancelled, and does not hold its connection', async () => {
    const [campaign] = await standingCampaigns();
    for (const action of ['launch', 'close', 'cancel']) {
      const res = await t.request('POST', `/api/v1/campaigns/${campaign.id}/${action}`, {
        token: admin.token,
      });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('invalid_state');
    }
    // An auditor reads it, writes nothing.
    expect(
      (await t.request('GET', `/api/v1/campaigns/${campaign.id}`, { token: auditor.token })).body.status,
    ).toBe('active');
    expect(
      (await t.request('POST', `/api/v1/campaigns/${campaign.id}/close`, { token: auditor.token })).status,
    ).toBe(403);
  });

  it('two events at once create one campaign (the unique index, not luck)', async () => {
    const g = await freshGroup();
    const [a, b] = [g.members[0], g.members[1]];
    const request = async (u: UserRec, key: string): Promise<StandingReviewRequest> => ({
      purpose: 'drift',
      connectionId,
      accountId: await idOf('directory_accounts', u.id),
      groupId: g.id,
      reason: 'Added outside jumpgate',
      key,
    });
    const [ra, rb] = [await request(a, 'drift-a'), await request(b, 'drift-b')];
    // The first transaction creates the campaign and holds it uncommitted while the second starts:
    // the second cannot see it and must wait on the index, then find it.
    let firstInserted!: () => void;
    const inserted = new Promise<void>((r) => (firstInserted = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = dataSource.transaction(async (m) => {
      const ids = await port.request(m, [ra]);
      firstInserted();
      await gate;
      return ids;
    });
    await inserted;
    const second = emit([rb]);
    await sleep(300);
    release();
    const [[idA], [idB]] = await Promise.all([first, second]);
    const drift = (await standingCampaigns()).filter((c) => c.purpose === 'drift');
    expect(drift).toHaveLength(1);
    expect(drift[0].name).toBe('Drift reviews');
    const { rows } = await db.query(
      `SELECT DISTINCT campaign_id FROM review_items WHERE id = ANY($1::uuid[])`,
      [[idA, idB]],
    );
    expect(rows).toEqual([{ campaign_id: drift[0].id }]);
    const created = await t.request(
      'GET',
      `/api/v1/audit-events?action=campaign.created&targetId=${drift[0].id}`,
      {
        token: auditor.token,
      },
    );
    expect(created.body.items).toHaveLength(1);
  });

  it('an account or group that does not exist (or of another connection) makes no item', async () => {
    const g = await freshGroup();
    const before = (await db.query(`SELECT count(*)::int AS n FROM review_items`)).rows[0].n;
    const ids = await emit([
      {
        purpose: 'break_glass',
        connectionId,
        accountId: '00000000-0000-4000-8000-000000000001',
        groupId: g.id,
        reason: 'x',
        key: 'ghost',
      },
    ]);
    expect(ids).toEqual([null]);
    expect((await db.query(`SELECT count(*)::int AS n FROM review_items`)).rows[0].n).toBe(before);
  });

  it('the port refuses to run outside a transaction (the event and its review commit together)', async () => {
    await expect(port.request(dataSource.manager, [])).rejects.toThrow(/inside the transaction/);
  });

  it('a bootstrap token cannot decide a standing item', async () => {
    const g = await freshGroup();
    const itemId = await breakGlass(g, g.members[0]);
    const res = await t.request('POST', `/api/v1/review-items/${itemId}/decision`, {
      token: BOOTSTRAP_TOKEN,
      body: { decision: 'keep' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('bootstrap_cannot_act');
  });
});

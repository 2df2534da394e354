import { type Client } from 'pg';
import { type GrantResponse } from '../../src/access/dto/access.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec } from '../../src/emulator/store';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, waitForCampaign } from '../helpers/campaigns';
import { putRequestablePolicy } from '../helpers/grants';
import { syncNow } from '../helpers/jumpcloud';
import {
  emulatorHasMember,
  groupMembers,
  localId,
  outsidersOf,
  startEmulatedOrg,
  stopEmulatedOrg,
} from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { waitForOps, withOutcomeFailingOnce } from '../helpers/provisioning';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';

// The item as the API gives it (API.md), typed by the server's own response type.
type Item = ReviewItemResponse;

/**
 * Access review campaigns end to end (API.md "Access review campaigns"): the server with its
 * workers, JumpCloud served by the emulator.
 */
describe('access review campaigns against the emulator', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let usedGroups = 0;
  // Member emails already given to a principal (an email belongs to one principal).
  const usedEmails = new Set<string>();
  const memberPrincipal = async (members: { email: string }[], roles: ('admin' | 'auditor')[] = []) => {
    // Launches under the manager strategy create principals for managers: skip those emails too.
    const taken = new Set(
      (await db.query<{ e: string }>(`SELECT lower(email) AS e FROM principals`)).rows.map((r) => r.e),
    );
    const u = members.find(
      (m) => !usedEmails.has(m.email.toLowerCase()) && !taken.has(m.email.toLowerCase()),
    )!;
    usedEmails.add(u.email.toLowerCase());
    return createPrincipal(t, { email: u.email, roles });
  };

  const s = () => emu.emulator.store;
  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);
  const membersOf = (g: GroupRec) => groupMembers(emu, g);
  const isMember = (groupExt: string, userExt: string) => emulatorHasMember(emu, groupExt, userExt);

  /** Fresh static groups with at least `min` members, each used by one test only. */
  async function freshGroups(n: number, min = 3) {
    const groups = s().groups.filter(
      (g) => !g.deleted && g.membershipMethod !== 'DYNAMIC_AUTOMATED' && g.size >= min,
    );
    const out: { rec: GroupRec; id: string }[] = [];
    for (let i = 0; i < n; i++) {
      const rec = groups[usedGroups++];
      if (!rec) throw new Error('no fresh group left');
      out.push({ rec, id: await idOf('directory_groups', rec.id) });
    }
    return out;
  }

  const createCampaign = (body: Record<string, unknown>) =>
    t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: campaignBody(connectionId, admin.id, body),
    });
  const waitForStatus = (id: string, status: string, timeoutMs?: number) =>
    waitForCampaign(t, auditor.token, id, status, timeoutMs);
  const itemsOf = (campaignId: string, query = '') => campaignItems(t, auditor.token, campaignId, query);

  async function launched(body: Record<string, unknown>): Promise<{ id: string; items: Item[] }> {
    const created = await createCampaign(body);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('draft');
    const launch = await t.request('POST', `/api/v1/campaigns/${created.body.id}/launch`, {
      token: admin.token,
    });
    expect(launch.status).toBe(202);
    expect(launch.body.status).toBe('launching');
    await waitForStatus(created.body.id, 'active');
    return { id: created.body.id, items: await itemsOf(created.body.id) };
  }

  const emailOfPrincipal = async (id: string) =>
    (await t.request('GET', `/api/v1/principals/${id}`, { token: BOOTSTRAP_TOKEN })).body.email as string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 97,
      sizes: { users: 80, groups: 20, membershipsPerUser: 3, admins: 4, apps: 3 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('launch snapshots exactly the memberships in scope; named reviewers get whole groups in turn', async () => {
    const [g1, g2, g3] = await freshGroups(3);
    const r1 = await createPrincipal(t);
    const r2 = await createPrincipal(t);
    const { items } = await launched({
      scope: { groupIds: [g1.id, g2.id, g3.id] },
      reviewerIds: [r1.id, r2.id],
    });

    const expected: string[] = [];
    for (const g of [g1, g2, g3]) {
      for (const u of membersOf(g.rec)) expected.push(`${g.id}:${await idOf('directory_accounts', u.id)}`);
    }
    expect(items.map((i) => `${i.group?.id}:${i.account.id}`).sort()).toEqual(expected.sort());

    // Groups ordered by name are dealt r1, r2, r1: every group has exactly one reviewer.
    const byName = [g1, g2, g3].sort(
      (a, b) => a.rec.name.localeCompare(b.rec.name) || a.id.localeCompare(b.id),
    );
    const reviewers = byName.map((g) => [
      ...new Set(items.filter((i) => i.group?.id === g.id).map((i) => i.reviewerId)),
    ]);
    expect(reviewers).toEqual([[r1.id], [r2.id], [r1.id]]);

    // What a reviewer needs on the page.
    const item = items.find((i) => i.group?.id === g1.id)!;
    const user = membersOf(g1.rec).find((u) => u.email === item.account.email)!;
    expect(item.account).toMatchObject({ email: user.email, kind: 'user', state: user.state });
    expect(item.group).toMatchObject({
      id: g1.id,
      name: g1.rec.name,
      membershipMethod: g1.rec.membershipMethod,
    });
    expect(Array.isArray(item.group?.applications)).toBe(true);
    expect(item).toMatchObject({
      status: 'pending',
      decision: null,
      remediation: 'none',
      override: false,
      grantId: null,
    });
    if (user.manager >= 0) {
      expect(item.account.manager?.id).toBe(await idOf('directory_accounts', s().users[user.manager].id));
    } else {
      expect(item.account.manager).toBeNull();
    }
  });

  it('scope: every group when empty, or the union of chosen groups and the groups of chosen applications; item facts', async () => {
    const reviewer = await createPrincipal(t);
    // Every membership so far was seen by the connection's first sync (its baseline): when jumpgate
    // started looking, not when the person joined. One joins now, out of band, and the next sync sees it.
    const joinGroup = s().groups.find((g) => !g.deleted && g.membershipMethod === 'STATIC')!;
    const joiner = s().users.find(
      (u) => u.state === 'ACTIVATED' && u.admin < 0 && !isMember(joinGroup.id, u.id),
    )!;
    const joined = await fetch(`${emu.url}/__emulator/groups/${joinGroup.id}/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: joiner.id }),
    });
    expect(joined.status).toBe(200);
    // An administrator (same email as a user) who has no MFA factor: JumpCloud reports it, the sync reads it.
    const noMfa = s().users.find(
      (u, slot) => u.admin >= 0 && u.state === 'ACTIVATED' && s().groupsOf(slot).length > 0,
    )!;
    const patched = await fetch(`${emu.url}/__emulator/users/${noMfa.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mfaConfigured: false }),
    });
    expect(patched.status).toBe(200);
    expect((await syncNow(t, connectionId)).stats).toMatchObject({ added: 1, removed: 0 });
    const all = await launched({ scope: {}, reviewerIds: [reviewer.id] });
    const nothingOrIdle = (r: { reason: string } | null) => {
      if (r !== null) expect(r.reason).toMatch(/^No sign-in to .+ seen by JumpCloud in 60 days/);
    };
    const live = s().groups.filter((g) => !g.deleted);
    expect(all.items.length).toBe(live.reduce((n, g) => n + g.size, 0));
    expect(all.items.length).toBeLessThanOrEqual(500);
    for (const i of all.items) {
      const u = s().users.find((x) => x.email === i.account.email)!;
      expect([i.account.email, i.account.isAdministrator, i.account.mfaConfigured]).toEqual([
        u.email,
        u.admin >= 0,
        u.mfaConfigured,
      ]);
      if (u.state === 'SUSPENDED') expect(i.recommendation?.value).toBe('revoke');
      else if (u.admin >= 0 && !u.mfaConfigured)
        expect(i.recommendation).toEqual({
          value: 'review',
          reason: 'A JumpCloud administrator without MFA',
        });
      // No "joined recently", not even for the membership a later sync saw appear: nothing else stands
      // out but the seeded sign-in history (test/campaigns/inactive-recommendation.spec.ts checks that rule).
      else nothingOrIdle(i.recommendation);
    }
    const joinedItem = all.items.find(
      (i) => i.account.email === joiner.email && i.group?.name === joinGroup.name,
    );
    expect(joinedItem).toMatchObject({ certifiedUntil: null });
    nothingOrIdle(joinedItem!.recommendation);
    expect(all.items.some((i) => i.account.state === 'SUSPENDED')).toBe(true);
    expect(all.items.some((i) => i.account.isAdministrator)).toBe(true);
    expect(
      all.items
        .filter((i) => i.recommendation?.reason === 'A JumpCloud administrator without MFA')
        .map((i) => i.account.email),
    ).toContain(noMfa.email);

    // Pages of 50 (oldest first) give every item once, and the reviewer sees the same set at /reviews.
    const paged: Item[] = [];
    const reviews: Item[] = [];
    for (const [path, token, out] of [
      [`/api/v1/campaigns/${all.id}/items?limit=50`, auditor.token, paged],
      ['/api/v1/reviews?status=pending&limit=50', reviewer.token, reviews],
    ] as const) {
      let cursor: string | null = null;
      do {
        const res = await t.request('GET', `${path}${cursor ? `&cursor=${cursor}` : ''}`, { token });
        expect(res.status).toBe(200);
        out.push(...(res.body.items as Item[]));
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
    }
    expect(paged.map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    expect(reviews.map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    // Field for field too (managers, administrators, applications, recommendations).
    expect(reviews).toEqual(paged);

    const app = s().apps.find((a) => a.groups.some((slot) => s().groups[slot].size > 0))!;
    const appId = await idOf('directory_applications', app.id);
    const other = s().groups.find((g, slot) => !g.deleted && g.size > 0 && !app.groups.includes(slot))!;
    const otherId = await idOf('directory_groups', other.id);
    const scoped = await launched({
      scope: { groupIds: [otherId], applicationIds: [appId] },
      reviewerIds: [reviewer.id],
    });
    const expected = [otherId];
    for (const slot of app.groups) {
      if (s().groups[slot].size > 0 && !s().groups[slot].deleted)
        expected.push(await idOf('directory_groups', s().groups[slot].id));
    }
    expect([...new Set(scoped.items.map((i) => i.group?.id))].sort()).toEqual([...new Set(expected)].sort());
    const appItem = scoped.items.find((i) => i.group?.id !== otherId)!;
    expect(appItem.group?.applications.map((a) => a.id)).toContain(appId);

    // A connection with an active campaign cannot be deleted.
    expect(
      (await t.request('DELETE', `/api/v1/connections/${connectionId}`, { token: admin.token })).status,
    ).toBe(409);
  });

  it('manager strategy: the manager reviews; the fallback takes the rest, never the member themself', async () => {
    const groups = s().groups.filter(
      (g) =>
        !g.deleted &&
        g.membershipMethod !== 'DYNAMIC_AUTOMATED' &&
        membersOf(g).some((u) => u.manager >= 0) &&
        membersOf(g).some((u) => u.manager < 0),
    );
    const g = groups[groups.length - 1];
    const gid = await idOf('directory_groups', g.id);
    const noManager = membersOf(g).filter((u) => u.manager < 0);
    // The first fallback is one of the members without a manager: their own item goes to the second.
    const memberFallback = await memberPrincipal(noManager);
    const fallback2 = await createPrincipal(t);
    const { items } = await launched({
      scope: { groupIds: [gid] },
      reviewerStrategy: 'manager',
      fallbackReviewerIds: [memberFallback.id, fallback2.id],
    });
    expect(items).toHaveLength(g.size);
    for (const u of membersOf(g)) {
      const item = items.find((i) => i.account.email === u.email)!;
      if (u.manager >= 0 && s().users[u.manager].email.toLowerCase() !== u.email.toLowerCase()) {
        expect((await emailOfPrincipal(item.reviewerId!)).toLowerCase()).toBe(
          s().users[u.manager].email.toLowerCase(),
        );
      } else if (u.email === memberFallback.email) {
        expect(item.reviewerId).toBe(fallback2.id);
      } else {
        expect(item.reviewerId).toBe(memberFallback.id);
      }
    }
  });

  it('group_owner strategy: the first owner reviews, except their own membership', async () => {
    const [g] = await freshGroups(1);
    const owner = await memberPrincipal(membersOf(g.rec));
    const self = membersOf(g.rec).find((u) => u.email === owner.email)!;
    const others = membersOf(g.rec).filter((u) => u !== self);
    const second = await createPrincipal(t);
    const fallback = await createPrincipal(t);
    const policy = await putRequestablePolicy(t, admin.token, g.id, [owner.id, second.id], {
      requestable: false,
    });
    expect(policy.status).toBe(200);
    const { items } = await launched({
      scope: { groupIds: [g.id] },
      reviewerStrategy: 'group_owner',
      fallbackReviewerIds: [fallback.id],
    });
    expect(items.find((i) => i.account.email === self.email)!.reviewerId).toBe(fallback.id);
    for (const u of others) expect(items.find((i) => i.account.email === u.email)!.reviewerId).toBe(owner.id);
  });

  it('rejects bad campaign bodies with 400 and creates nothing', async () => {
    const before = (await t.request('GET', '/api/v1/campaigns?limit=500', { token: auditor.token })).body
      .items.length;
    for (const body of [
      { fallbackReviewerIds: [] },
      { reviewerStrategy: 'everyone' },
      { defaultDecision: 'maybe' },
      { surprise: true },
      { reviewerStrategy: 'named', reviewerIds: [] },
      { fallbackReviewerIds: ['00000000-0000-4000-8000-000000000009'] },
      { dueAt: new Date(Date.now() - 1000).toISOString() },
    ]) {
      const res = await createCampaign(body);
      expect([res.status, body]).toEqual([400, body]);
    }
    const after = (await t.request('GET', '/api/v1/campaigns?limit=500', { token: auditor.token })).body.items
      .length;
    expect(after).toBe(before);
  });

  /**
   * The walk-through of one campaign, in named steps that share its state and run in order: two
   * reviewers decide, close removes exactly the revoked memberships, the next sync confirms, the CSV
   * lists it all. A step that fails leaves the later ones failing too; read the first failure.
   */
  describe('two reviewers decide, close removes exactly the revoked memberships, the next sync confirms, the CSV lists it all', () => {
    type Group = { rec: GroupRec; id: string };
    let ga: Group, gb: Group;
    let memberAdmin: TestPrincipal, r1: TestPrincipal, r2: TestPrincipal;
    let id: string;
    let items: Item[];
    let a1: Item, a2: Item, a3: Item, restA: Item[];
    let mine2: Item[];
    let b1: Item, b2: Item;
    let overridden: Item;
    let revoked: Item[], kept: Item[];
    let removedBefore: number;
    let total: number;
    // API.md: every item response names its campaign as {id, name, dueAt}.
    let campaignRef: { id: string; name: string; dueAt: string };

    it('launch: named reviewers get whole groups; each reviewer’s queue lists exactly their items', async () => {
      [ga, gb] = await freshGroups(2, 4);
      // A member of group A who is also an admin of jumpgate: never assigned, and may not decide their own item.
      memberAdmin = await memberPrincipal(membersOf(ga.rec), ['admin']);
      r1 = await createPrincipal(t);
      r2 = await createPrincipal(t);
      const byName = [ga, gb].sort(
        (a, b) => a.rec.name.localeCompare(b.rec.name) || a.id.localeCompare(b.id),
      );
      ({ id, items } = await launched({
        scope: { groupIds: [ga.id, gb.id] },
        reviewerIds: [r1.id, r2.id],
        fallbackReviewerIds: [r1.id],
        name: 'Two reviewers "quoted" — Zoë',
      }));
      const c = (await t.request('GET', `/api/v1/campaigns/${id}`, { token: auditor.token })).body;
      campaignRef = { id, name: 'Two reviewers "quoted" — Zoë', dueAt: c.dueAt as string };
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => JSON.stringify(i.campaign) === JSON.stringify(campaignRef))).toBe(true);
      expect(items.some((i) => i.reviewerId === memberAdmin.id)).toBe(false);
      const [gr1, gr2] = byName;

      const mine1 = (await t.request('GET', '/api/v1/reviews?status=pending&limit=500', { token: r1.token }))
        .body.items as Item[];
      expect(mine1.map((i) => i.id).sort()).toEqual(
        items
          .filter((i) => i.reviewerId === r1.id)
          .map((i) => i.id)
          .sort(),
      );
      expect(mine1.every((i) => i.group?.id === gr1.id)).toBe(true);
      expect(mine1.every((i) => JSON.stringify(i.campaign) === JSON.stringify(campaignRef))).toBe(true);
      mine2 = items.filter((i) => i.reviewerId === r2.id);
      expect(mine2.every((i) => i.group?.id === gr2.id)).toBe(true);
      [a1, a2, a3, ...restA] = mine1;
    });

    it('refuses another reviewer’s item (403), a revoke without justification and unknown fields (400)', async () => {
      // Another reviewer's item: 403, and nothing changes.
      expect(
        (
          await t.request('POST', `/api/v1/review-items/${a1.id}/decision`, {
            token: r2.token,
            body: { decision: 'keep' },
          })
        ).status,
      ).toBe(403);
      // Revoke without a justification: 400, and nothing changes.
      const noJust = await t.request('POST', `/api/v1/review-items/${a1.id}/decision`, {
        token: r1.token,
        body: { decision: 'revoke' },
      });
      expect(noJust.status).toBe(400);
      expect(noJust.body.code).toBe('justification_required');
      expect((await itemsOf(id)).find((i) => i.id === a1.id)).toMatchObject({
        status: 'pending',
        decision: null,
      });
      // Unknown fields: 400.
      expect(
        (
          await t.request('POST', `/api/v1/review-items/${a1.id}/decision`, {
            token: r1.token,
            body: { decision: 'keep', extra: 1 },
          })
        ).status,
      ).toBe(400);
    });

    it('single decisions change until close; nobody decides their own membership, even as an override', async () => {
      // Single decisions, changeable until close; a formula-looking justification for the CSV.
      const keepFirst = await t.request('POST', `/api/v1/review-items/${a1.id}/decision`, {
        token: r1.token,
        body: { decision: 'keep' },
      });
      expect(keepFirst.status).toBe(200);
      const revokeA1 = await t.request('POST', `/api/v1/review-items/${a1.id}/decision`, {
        token: r1.token,
        body: { decision: 'revoke', justification: '=HYPERLINK("http://evil")' },
      });
      expect(revokeA1.status).toBe(200);
      expect(revokeA1.body).toMatchObject({
        status: 'decided',
        decision: 'revoke',
        decidedBy: r1.id,
        override: false,
        campaign: campaignRef,
      });
      const keepA2 = await t.request('POST', `/api/v1/review-items/${a2.id}/decision`, {
        token: r1.token,
        body: { decision: 'keep' },
      });
      expect(keepA2.status).toBe(200);

      // The member-admin may not decide their own membership, even as an override.
      const ownItem = items.find((i) => i.account.email?.toLowerCase() === memberAdmin.email.toLowerCase())!;
      const own = await t.request('POST', `/api/v1/review-items/${ownItem.id}/decision`, {
        token: memberAdmin.token,
        body: { decision: 'keep' },
      });
      expect([own.status, own.body.code]).toEqual([403, 'separation_of_duties']);
    });

    it('reassign hands one of r1’s items to r2', async () => {
      const reassigned = await t.request('POST', `/api/v1/review-items/${a3.id}/reassign`, {
        token: r1.token,
        body: { reviewerId: r2.id, reason: 'r2 knows this team' },
      });
      expect(reassigned.status).toBe(200);
      expect(reassigned.body.reviewerId).toBe(r2.id);
      expect(reassigned.body.campaign).toEqual(campaignRef);
    });

    it('bulk: those that pass apply in one transaction, the others are rejected with a reason; over 1,000 is 400', async () => {
      // Bulk by r2: two applied, three rejected, in one transaction.
      let b3: Item;
      [b1, b2, b3] = mine2;
      const bulk = await t.request('POST', '/api/v1/reviews/decisions', {
        token: r2.token,
        body: {
          decisions: [
            // Escaping in Postgres-written JSON: quotes, a backslash, a tab, a control character, non-ASCII.
            { itemId: b1.id, decision: 'revoke', justification: 'left "the" team\\ \t\u0001 — Zoë 😀' },
            { itemId: b2.id, decision: 'keep' },
            { itemId: b3.id, decision: 'revoke' },
            { itemId: a2.id, decision: 'revoke', justification: 'not mine' },
            { itemId: '00000000-0000-4000-8000-00000000abcd', decision: 'keep' },
            { itemId: a3.id, decision: 'keep' },
          ],
        },
      });
      expect(bulk.status).toBe(200);
      expect(bulk.body.applied).toBe(3);
      expect(bulk.body.rejected).toEqual([
        { itemId: b3.id, reason: 'justification_required' },
        { itemId: a2.id, reason: 'forbidden' },
        { itemId: '00000000-0000-4000-8000-00000000abcd', reason: 'not_found' },
      ]);
      // More than 1,000: 400.
      const tooMany = await t.request('POST', '/api/v1/reviews/decisions', {
        token: r2.token,
        body: { decisions: Array.from({ length: 1001 }, () => ({ itemId: b2.id, decision: 'keep' })) },
      });
      expect(tooMany.status).toBe(400);
    });

    it('an admin overrides; /reviews (JSON written by Postgres) reads exactly as the item list', async () => {
      // Admin override on one of r1's remaining items.
      overridden = restA.find((i) => i.account.email?.toLowerCase() !== admin.email.toLowerCase())!;
      const ov = await t.request('POST', `/api/v1/review-items/${overridden.id}/decision`, {
        token: admin.token,
        body: { decision: 'revoke', justification: 'admin override' },
      });
      expect(ov.status).toBe(200);
      expect(ov.body).toMatchObject({ override: true, decidedBy: admin.id });

      // Postgres writes /reviews' JSON itself: each item, pending or decided (quotes in a justification,
      // an override, a reassignment), reads exactly as the campaign's item list gives it.
      for (const r of [r1, r2]) {
        const res = await t.request('GET', '/api/v1/reviews?limit=500', { token: r.token });
        expect([res.status, res.headers.get('content-type')]).toEqual([
          200,
          'application/json; charset=utf-8',
        ]);
        expect(res.body).toEqual({ items: await itemsOf(id, `&reviewerId=${r.id}`), nextCursor: null });
      }
      const decided = (await t.request('GET', '/api/v1/reviews?status=decided', { token: r1.token })).body;
      expect(decided.items.map((i: Item) => [i.id, i.decision, i.override])).toEqual(
        expect.arrayContaining([
          [a1.id, 'revoke', false],
          [overridden.id, 'revoke', true],
        ]),
      );
    });

    it('every decision is audited, one event each, and the chain verifies', async () => {
      // Every decision audited, one event each (a1 was decided twice).
      const audit = await t.request('GET', `/api/v1/audit-events?targetId=${a1.id}&limit=500`, {
        token: auditor.token,
      });
      expect(
        audit.body.items.filter((e: { action: string }) => e.action === 'campaign.item.decided'),
      ).toHaveLength(2);

      const verify = await t.request('GET', '/api/v1/audit-events/verify', { token: auditor.token });
      expect(verify.body).toMatchObject({ ok: true, firstBrokenId: null });
    });

    it('close expires the undecided items; decisions and cancel after close are 409', async () => {
      revoked = [a1, b1, overridden];
      kept = [a2, b2, a3];
      removedBefore = emu.emulator.stats().membership.removed;

      const close = await t.request('POST', `/api/v1/campaigns/${id}/close`, { token: admin.token });
      expect(close.status).toBe(202);
      expect(close.body.status).toBe('closing');
      const closed = await waitForStatus(id, 'closed');
      total = items.length;
      expect(closed.progress).toMatchObject({
        total,
        pending: 0,
        kept: kept.length,
        revoked: revoked.length,
        expired: total - kept.length - revoked.length,
      });

      // Decisions after close: 409.
      expect(
        (
          await t.request('POST', `/api/v1/review-items/${a2.id}/decision`, {
            token: r1.token,
            body: { decision: 'keep' },
          })
        ).status,
      ).toBe(409);
      expect((await t.request('POST', `/api/v1/campaigns/${id}/cancel`, { token: admin.token })).status).toBe(
        409,
      );
    });

    it('close removes exactly the revoked memberships in JumpCloud, once each', async () => {
      const ops = await t.request('GET', '/api/v1/provisioning-operations?sourceType=review_item&limit=500', {
        token: auditor.token,
      });
      const opIds = (ops.body.items as { id: string; sourceId: string }[])
        .filter((o) => revoked.some((r) => r.id === o.sourceId))
        .map((o) => o.id);
      expect(opIds).toHaveLength(revoked.length);
      const settled = await waitForOps(t, opIds);
      expect(settled.every((o) => o.status === 'succeeded' && o.attempts === 1)).toBe(true);

      // JumpCloud: exactly the revoked memberships removed, once each; every other one in place.
      expect(emu.emulator.stats().membership.removed - removedBefore).toBe(revoked.length);
      const extOf = async (accountId: string) =>
        (await db.query(`SELECT external_id FROM directory_accounts WHERE id = $1`, [accountId])).rows[0]
          .external_id as string;
      const groupExt = (groupId: string) => [ga, gb].find((g) => g.id === groupId)!.rec.id;
      for (const i of items) {
        const removed = revoked.some((r) => r.id === i.id);
        expect([i.id, isMember(groupExt(i.group!.id), await extOf(i.account.id))]).toEqual([i.id, !removed]);
      }
    }, 150_000); // waits for the removals: up to tens of seconds on a loaded machine

    it('remediation waits for the sync that confirms it', async () => {
      const pending = await itemsOf(id, '&decision=revoke');
      expect(pending.map((i) => i.remediation)).toEqual(revoked.map(() => 'pending'));
      await syncNow(t, connectionId);
      const deadline = Date.now() + 10_000;
      let done: Item[] = [];
      while (Date.now() < deadline) {
        done = await itemsOf(id, '&decision=revoke');
        if (done.every((i) => i.remediation === 'done')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(done.map((i) => i.remediation)).toEqual(revoked.map(() => 'done'));
      expect((await waitForStatus(id, 'closed')).progress.remediated).toBe(revoked.length);
    });

    it('the evidence report lists every item, formula-safe; a plain principal may not read it', async () => {
      const csv = await t.request('GET', `/api/v1/campaigns/${id}/report.csv`, { token: auditor.token });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = csv.text.trim().split('\n');
      expect(lines).toHaveLength(total + 1);
      expect(lines[0]).toBe(
        'campaign,account_email,account_name,group,applications,reviewer,status,decision,justification,decided_by,decided_at,override,remediation,remediated_at,certified_until,carried_decision,carried_from_campaign',
      );
      expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);
      const a1Line = lines.find((l) => l.includes('HYPERLINK'))!;
      expect(a1Line).toContain(r1.email);
      expect(a1Line).toContain(',revoke,');
      expect(a1Line).toContain(',done,');
      expect(lines.find((l) => l.includes('admin override'))).toContain(',true,done,');
      // A plain principal may not read it.
      expect((await t.request('GET', `/api/v1/campaigns/${id}/report.csv`, { token: r1.token })).status).toBe(
        403,
      );
    });
  });

  it('revoking a membership a jumpgate grant created ends that grant (revoked) with a single removal', async () => {
    const [g] = await freshGroups(1);
    const outsiders = outsidersOf(emu, g.rec);
    const requester = await memberPrincipal(outsiders);
    const requesterUser = outsiders.find((u) => u.email === requester.email)!;
    const approver = await createPrincipal(t);
    const reviewer = await createPrincipal(t);
    const policy = await putRequestablePolicy(t, admin.token, g.id, [approver.id]);
    expect(policy.status).toBe(200);
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId: g.id, durationMinutes: 30 },
    });
    expect(req.status).toBe(201);
    const approved = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(approved.status).toBe(200);
    const grantId = approved.body.grantId as string;
    const grantOf = async () =>
      (
        (await t.request('GET', `/api/v1/grants?groupId=${g.id}&limit=500`, { token: auditor.token })).body
          .items as GrantResponse[]
      ).find((x) => x.id === grantId)!;
    for (let i = 0; i < 600 && (await grantOf()).status !== 'active'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await grantOf()).status).toBe('active');
    expect(isMember(g.rec.id, requesterUser.id)).toBe(true);

    const { id, items } = await launched({ scope: { groupIds: [g.id] }, reviewerIds: [reviewer.id] });
    const item = items.find((i) => i.account.email === requester.email)!;
    expect(item.grantId).toBe(grantId);
    expect(items.filter((i) => i.grantId !== null)).toHaveLength(1);
    const decided = await t.request('POST', `/api/v1/review-items/${item.id}/decision`, {
      token: reviewer.token,
      body: { decision: 'revoke', justification: 'temporary access no longer needed' },
    });
    expect(decided.status).toBe(200);
    const removedBefore = emu.emulator.stats().membership.removed;
    expect((await t.request('POST', `/api/v1/campaigns/${id}/close`, { token: admin.token })).status).toBe(
      202,
    );
    await waitForStatus(id, 'closed');
    const ops = await t.request('GET', `/api/v1/provisioning-operations?sourceId=${item.id}`, {
      token: auditor.token,
    });
    expect(ops.body.items).toHaveLength(1);
    await waitForOps(t, [ops.body.items[0].id]);
    expect(isMember(g.rec.id, requesterUser.id)).toBe(false);
    // The grant ends once the removal succeeded (applied by the removal's outcome handler).
    for (let i = 0; i < 200 && (await grantOf()).status !== 'ended'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await grantOf()).toMatchObject({ status: 'ended', endReason: 'revoked' });
    expect(emu.emulator.stats().membership.removed - removedBefore).toBe(1);
    const grantOps = await t.request('GET', `/api/v1/provisioning-operations?sourceId=${grantId}`, {
      token: auditor.token,
    });
    expect(grantOps.body.items.map((o: { action: string }) => o.action)).toEqual(['add_member']);
  });

  // Replaces the test of the reconcile tick (removal outcomes whose settled events were lost): the
  // outcome is now applied inside the settling transaction, so there is no event to lose.
  it('applies removal outcomes inside the settling transaction: a failing outcome rolls the settlement back and the retry settles it again', async () => {
    const [g] = await freshGroups(1);
    await withOutcomeFailingOnce(t, 'review_item', async (failed) => {
      const { id, items } = await launched({
        scope: { groupIds: [g.id] },
        reviewerIds: [admin.id],
        defaultDecision: 'revoke',
        // The whole group goes: above the default cap of half a group per close, which would hold half.
        maxRevokeSharePerGroup: 1,
      });
      const removedBefore = emu.emulator.stats().membership.removed;
      expect((await t.request('POST', `/api/v1/campaigns/${id}/close`, { token: admin.token })).status).toBe(
        202,
      );
      await waitForStatus(id, 'closed');
      const itemIds = items.map((i) => i.id);
      const opIds = (
        await db.query<{ id: string }>(
          `SELECT id FROM provisioning_operations WHERE source_id = ANY($1::uuid[])`,
          [itemIds],
        )
      ).rows.map((r) => r.id);
      expect(opIds).toHaveLength(items.length);
      await waitForOps(t, opIds);
      expect(failed.length).toBeGreaterThan(0);
      // Settled with their outcome: every item heard of its removal, and each operation settled once.
      const { rows } = await db.query<{ applied: number; settled: number }>(
        `SELECT (SELECT count(*)::int FROM review_items WHERE id = ANY($1::uuid[]) AND removal_applied_at IS NOT NULL) AS applied,
                (SELECT count(*)::int FROM audit_events WHERE target_id = ANY($2::text[]) AND action LIKE 'provisioning.operation.%') AS settled`,
        [itemIds, opIds],
      );
      expect(rows[0]).toEqual({ applied: items.length, settled: items.length });
      expect(emu.emulator.stats().membership.removed - removedBefore).toBe(items.length);
      // The next sync confirms them.
      await syncNow(t, connectionId);
      let confirmed: Item[] = [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        confirmed = await itemsOf(id);
        if (confirmed.every((i) => i.remediation === 'done')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(confirmed.map((i) => i.remediation)).toEqual(items.map(() => 'done'));
    });
  });

  it('close without autoRemediate: default revoke decisions are manual, no operation is made', async () => {
    const [g] = await freshGroups(1);
    const { id, items } = await launched({
      scope: { groupIds: [g.id] },
      reviewerIds: [admin.id],
      defaultDecision: 'revoke',
      autoRemediate: false,
    });
    const removedBefore = emu.emulator.stats().membership.removed;
    expect((await t.request('POST', `/api/v1/campaigns/${id}/close`, { token: admin.token })).status).toBe(
      202,
    );
    const closed = await waitForStatus(id, 'closed');
    expect(closed.progress).toMatchObject({
      total: items.length,
      revoked: items.length,
      manual: items.length,
    });
    const ops = await t.request('GET', '/api/v1/provisioning-operations?sourceType=review_item&limit=500', {
      token: auditor.token,
    });
    const ids = new Set(items.map((i) => i.id));
    expect((ops.body.items as { sourceId: string }[]).filter((o) => ids.has(o.sourceId))).toHaveLength(0);
    expect(emu.emulator.stats().membership.removed).toBe(removedBefore);
  });

  it('cancel: 200 cancelled, nothing remediated; an active campaign past dueAt closes itself', async () => {
    const [g1, g2] = await freshGroups(2);
    const { id } = await launched({ scope: { groupIds: [g1.id] }, reviewerIds: [admin.id] });
    const cancelled = await t.request('POST', `/api/v1/campaigns/${id}/cancel`, { token: admin.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await t.request('POST', `/api/v1/campaigns/${id}/close`, { token: admin.token })).status).toBe(
      409,
    );

    const due = await launched({
      scope: { groupIds: [g2.id] },
      reviewerIds: [admin.id],
      dueAt: new Date(Date.now() + 4_000).toISOString(),
    });
    const closed = await waitForStatus(due.id, 'closed', 30_000);
    expect(closed.progress).toMatchObject({ total: due.items.length, expired: due.items.length, pending: 0 });
  });
});

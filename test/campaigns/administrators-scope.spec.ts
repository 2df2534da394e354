import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RemediationPreviewResponse } from '../../src/campaigns/dto/remediation-preview.dto';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import { localId, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';

const BILLING = 'Administrator With Billing';

/**
 * The administrators scope (API.md "Campaigns that run themselves"): one item per JumpCloud
 * administrator account with its roles and no group; never remediated by jumpgate; never every
 * billing administrator revoked.
 */
describe('campaigns: the administrators scope', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let fallback: TestPrincipal;
  let owner: TestPrincipal;

  const liveAdmins = () => emu.emulator.store.admins;
  const decide = (itemId: string, decision: 'keep' | 'revoke', token = fallback.token) =>
    t.request<ReviewItemResponse & { code?: string }>('POST', `/api/v1/review-items/${itemId}/decision`, {
      token,
      body: {
        decision,
        justification: decision === 'revoke' ? 'no longer administers JumpCloud' : undefined,
      },
    });
  const launchAdmins = (body: Record<string, unknown>): Promise<CampaignResponse> =>
    launchCampaign(t, admin, auditor, {
      ...campaignBody(connectionId, fallback.id, {
        name: 'Administrators',
        reviewerStrategy: 'group_owner',
        scope: { administrators: true },
        ...body,
      }),
    });

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 23,
      sizes: { users: 30, groups: 5, membershipsPerUser: 2, admins: 6, apps: 2 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    fallback = await createPrincipal(t);
    owner = await createPrincipal(t);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('{administrators: true} alone: one item per administrator account, with its roles and no group, to the fallback reviewer', async () => {
    const c = await launchAdmins({});
    expect(c.scope).toEqual({ groupIds: [], applicationIds: [], administrators: true });
    const items = await campaignItems(t, auditor.token, c.id);
    const expected = liveAdmins().map((a) => [a.email.toLowerCase(), [a.roleName]]);
    expect(items.map((i) => [i.account.email?.toLowerCase(), i.account.adminRoles]).sort()).toEqual(
      expected.sort(),
    );
    for (const i of items) {
      expect(i).toMatchObject({
        group: null,
        reviewerId: fallback.id,
        status: 'pending',
        remediation: 'none',
        remediationNote: null,
      });
      expect(i.account).toMatchObject({ kind: 'admin', isAdministrator: true });
      const rec = liveAdmins().find((a) => a.email.toLowerCase() === i.account.email?.toLowerCase())!;
      expect(i.account.state).toBe(rec.suspended ? 'SUSPENDED' : 'ACTIVATED');
    }
    // The reviewer's queue (JSON written by Postgres) reads exactly as the item list, group: null included.
    const reviews = await t.request('GET', '/api/v1/reviews?limit=500', { token: fallback.token });
    expect(reviews.body.items).toEqual(items);
    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token })).status).toBe(
      200,
    );
  });

  it('with groupIds too: the memberships of those groups and the administrators; the POST /campaigns/preview counts both', async () => {
    const g = staticGroups(emu, 2)[0];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    const body = { scope: { groupIds: [groupId], administrators: true } };
    const preview = await t.request('POST', '/api/v1/campaigns/preview', {
      token: admin.token,
      body: campaignBody(connectionId, fallback.id, { reviewerStrategy: 'group_owner', ...body }),
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ items: g.size + liveAdmins().length, groups: 1 });
    const c = await launchAdmins(body);
    const items = await campaignItems(t, auditor.token, c.id);
    expect(items.filter((i) => i.group?.id === groupId)).toHaveLength(g.size);
    expect(items.filter((i) => i.group === null)).toHaveLength(liveAdmins().length);
    expect(items).toHaveLength(g.size + liveAdmins().length);
    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token })).status).toBe(
      200,
    );
  });

  it('refuses to revoke the last Administrator With Billing kept or pending (409 last_administrator), alone and in bulk', async () => {
    const c = await launchAdmins({});
    const items = await campaignItems(t, auditor.token, c.id);
    const billing = items.filter((i) => i.account.adminRoles.includes(BILLING));
    expect(billing.length).toBeGreaterThan(0);
    // Every other administrator may be revoked.
    for (const i of items.filter((x) => !billing.includes(x)))
      expect((await decide(i.id, 'revoke')).status).toBe(200);
    for (const i of billing.slice(0, -1)) expect((await decide(i.id, 'revoke')).status).toBe(200);
    const last = billing[billing.length - 1];
    const refused = await decide(last.id, 'revoke');
    expect([refused.status, refused.body.code]).toEqual([409, 'last_administrator']);
    // Nor as an admin's override, nor in bulk; nothing changed.
    expect((await decide(last.id, 'revoke', admin.token)).body.code).toBe('last_administrator');
    const bulk = await t.request('POST', '/api/v1/reviews/decisions', {
      token: fallback.token,
      body: { decisions: [{ itemId: last.id, decision: 'revoke', justification: 'bulk' }] },
    });
    expect(bulk.body).toEqual({ applied: 0, rejected: [{ itemId: last.id, reason: 'last_administrator' }] });
    expect((await campaignItems(t, auditor.token, c.id)).find((i) => i.id === last.id)).toMatchObject({
      status: 'pending',
      decision: null,
    });
    // Keeping another billing administrator makes the revoke possible.
    if (billing.length > 1) {
      expect((await decide(billing[0].id, 'keep')).status).toBe(200);
      expect((await decide(last.id, 'revoke')).status).toBe(200);
    } else {
      expect((await decide(last.id, 'keep')).status).toBe(200);
    }
    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token })).status).toBe(
      200,
    );
  });

  it('never remediates automatically: a revoked administrator is manual with an instruction, no operation, JumpCloud unchanged', async () => {
    const c = await launchAdmins({ autoRemediate: true, maxRevokeSharePerGroup: 1 });
    const items = await campaignItems(t, auditor.token, c.id);
    const revoked = items.filter((i) => !i.account.adminRoles.includes(BILLING));
    expect(revoked.length).toBeGreaterThan(0);
    for (const i of revoked) expect((await decide(i.id, 'revoke')).status).toBe(200);
    const preview = (
      await t.request<RemediationPreviewResponse>('GET', `/api/v1/campaigns/${c.id}/remediation-preview`, {
        token: auditor.token,
      })
    ).body;
    expect(preview.groups).toEqual([]);
    expect(
      preview.warnings
        .filter((w) => w.code === 'administrator_account' && w.groupId === null)
        .map((w) => w.accountId)
        .sort(),
    ).toEqual(revoked.map((i) => i.account.id).sort());

    const adminsBefore = JSON.stringify(liveAdmins());
    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/close`, { token: admin.token })).status).toBe(
      202,
    );
    const closed = await waitForCampaign(t, auditor.token, c.id, 'closed');
    expect(closed.progress).toMatchObject({ revoked: revoked.length, manual: revoked.length, held: 0 });
    for (const i of (await campaignItems(t, auditor.token, c.id)).filter((x) => x.decision === 'revoke')) {
      expect(i.remediation).toBe('manual');
      expect(i.remediationNote).toContain(i.account.email!);
      expect(i.remediationNote).toContain('jumpgate never changes JumpCloud administrators');
    }
    const ops = await db.query(
      `SELECT count(*)::int AS n FROM provisioning_operations WHERE source_id = ANY($1::uuid[])`,
      [revoked.map((i) => i.id)],
    );
    expect(ops.rows[0].n).toBe(0);
    expect(JSON.stringify(liveAdmins())).toBe(adminsBefore);
    // The report names the row an administrator account.
    const csv = await t.request('GET', `/api/v1/campaigns/${c.id}/report.csv`, { token: auditor.token });
    expect(csv.text).toContain('(administrator account)');
  });

  it('any strategy sends administrator items to the fallback reviewer, never to the administrator themself', async () => {
    const adminEmail = liveAdmins()[0].email;
    const self = await createPrincipal(t, { email: adminEmail });
    const named = await createPrincipal(t);
    for (const strategy of [
      { reviewerStrategy: 'group_owner' },
      { reviewerStrategy: 'manager' },
      { reviewerStrategy: 'named', reviewerIds: [named.id] },
    ]) {
      const c = await launchAdmins({ ...strategy, fallbackReviewerIds: [self.id, owner.id] });
      const items = await campaignItems(t, auditor.token, c.id);
      expect(items).toHaveLength(liveAdmins().length);
      for (const i of items) {
        expect([strategy.reviewerStrategy, i.account.email, i.reviewerId]).toEqual([
          strategy.reviewerStrategy,
          i.account.email,
          i.account.email?.toLowerCase() === adminEmail.toLowerCase() ? owner.id : self.id,
        ]);
      }
      expect(
        (await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token })).status,
      ).toBe(200);
    }
  });
});

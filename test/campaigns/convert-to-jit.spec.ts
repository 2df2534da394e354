import { type Client } from 'pg';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import { putRequestablePolicy, requestAndApprove, waitForGrant } from '../helpers/grants';
import {
  emulatorHasMember,
  groupMembers,
  localId,
  outsidersOf,
  startEmulatedOrg,
  staticGroups,
  stopEmulatedOrg,
} from '../helpers/org';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import { waitForOps } from '../helpers/provisioning';

/**
 * The `convert_to_jit` decision (API.md "Campaigns that run themselves"): the standing membership is
 * removed like a revoke, and the person may then request the group just in time and get it. Through the
 * REST API with the server's workers; JumpCloud is the emulator.
 */
describe('convert_to_jit against the emulator', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let reviewer: TestPrincipal;
  let approver: TestPrincipal;

  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);
  const plain = (u: { state: string; admin: number }) => u.state === 'ACTIVATED' && u.admin < 0;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 211,
      sizes: { users: 60, groups: 12, membershipsPerUser: 2, admins: 2, apps: 2 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    reviewer = await createPrincipal(t);
    approver = await createPrincipal(t);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('removes the standing membership, and the person then requests the group and gets it', async () => {
    const [g, h, other] = staticGroups(emu, 3).filter((x) => groupMembers(emu, x).filter(plain).length >= 2);
    const [gId, hId, otherId] = [
      await idOf('directory_groups', g.id),
      await idOf('directory_groups', h.id),
      await idOf('directory_groups', other.id),
    ];
    // The member to convert is in no eligible group: only the conversion can make them eligible.
    const otherMembers = new Set(groupMembers(emu, other).map((u) => u.id));
    const user = groupMembers(emu, g).find((u) => plain(u) && !otherMembers.has(u.id))!;
    const person = await createPrincipal(t, { email: user.email });
    const accountId = await idOf('directory_accounts', user.id);
    const bystander = outsidersOf(emu, g).find((u) => !otherMembers.has(u.id))!;
    const bystanderPrincipal = await createPrincipal(t, { email: bystander.email });
    const policy = await putRequestablePolicy(t, admin.token, gId, [approver.id], {
      eligibleGroupIds: [otherId],
    });
    expect(policy.status).toBe(200);
    expect(policy.body.eligibleAccountIds).toEqual([]);
    const catalogIds = async (p: TestPrincipal) =>
      (
        (await t.request('GET', '/api/v1/catalog', { token: p.token })).body.items as {
          group: { id: string };
        }[]
      ).map((c) => c.group.id);
    expect(await catalogIds(person)).not.toContain(gId);

    const c = await launchCampaign(
      t,
      admin,
      auditor,
      campaignBody(connectionId, reviewer.id, {
        scope: { groupIds: [gId, hId] },
        reviewerIds: [reviewer.id],
      }),
    );
    const items = await campaignItems(t, auditor.token, c.id);
    const item = items.find((i) => i.group?.id === gId && i.account.id === accountId)!;
    const hItem = items.find((i) => i.group?.id === hId)!;
    const decide = (i: ReviewItemResponse, body: Record<string, unknown>) =>
      t.request('POST', `/api/v1/review-items/${i.id}/decision`, { token: reviewer.token, body });

    // A justification is required; a group nobody may request cannot take a conversion (409).
    const bare = await decide(item, { decision: 'convert_to_jit' });
    expect([bare.status, bare.body.code]).toEqual([400, 'justification_required']);
    const notRequestable = await decide(hItem, {
      decision: 'convert_to_jit',
      justification: 'occasional use',
    });
    expect([notRequestable.status, notRequestable.body.code]).toEqual([409, 'group_not_requestable']);
    const bulk = await t.request('POST', '/api/v1/reviews/decisions', {
      token: reviewer.token,
      body: {
        decisions: [{ itemId: hItem.id, decision: 'convert_to_jit', justification: 'occasional use' }],
      },
    });
    expect(bulk.body).toEqual({
      applied: 0,
      rejected: [{ itemId: hItem.id, reason: 'group_not_requestable' }],
    });
    const unchanged = (await campaignItems(t, auditor.token, c.id)).find((i) => i.id === hItem.id)!;
    expect([unchanged.status, unchanged.decision]).toEqual(['pending', null]);

    const converted = await decide(item, {
      decision: 'convert_to_jit',
      justification: 'needs it twice a year',
    });
    expect(converted.status).toBe(200);
    expect(converted.body).toMatchObject({ status: 'decided', decision: 'convert_to_jit' });
    expect(
      (await t.request('GET', `/api/v1/campaigns/${c.id}`, { token: auditor.token })).body.progress,
    ).toMatchObject({ converted: 1, revoked: 0 });

    // Close: the standing membership is removed in JumpCloud, like a revoke.
    expect(emulatorHasMember(emu, g.id, user.id)).toBe(true);
    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/close`, { token: admin.token })).status).toBe(
      202,
    );
    await waitForCampaign(t, auditor.token, c.id, 'closed');
    const ops = await t.request('GET', `/api/v1/provisioning-operations?sourceId=${item.id}`, {
      token: auditor.token,
    });
    expect(ops.body.items).toHaveLength(1);
    expect(ops.body.items[0]).toMatchObject({ action: 'remove_member', accountId, groupId: gId });
    await waitForOps(t, [ops.body.items[0].id]);
    expect(emulatorHasMember(emu, g.id, user.id)).toBe(false);

    // Eligible now, per account: in the group's policy and in that person's catalog, no one else's.
    const read = await t.request('GET', `/api/v1/groups/${gId}/policy`, { token: person.token });
    expect(read.body.eligibleAccountIds).toEqual([accountId]);
    expect(await catalogIds(person)).toContain(gId);
    expect(await catalogIds(bystanderPrincipal)).not.toContain(gId);
    const refused = await t.request('POST', '/api/v1/access-requests', {
      token: bystanderPrincipal.token,
      body: { groupId: gId },
    });
    expect([refused.status, refused.body.code]).toEqual([400, 'not_eligible']);
    const events = await t.request(
      'GET',
      `/api/v1/audit-events?action=access.policy.eligible_account_added&targetId=${gId}`,
      { token: auditor.token },
    );
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0].data).toMatchObject({
      accountId,
      reviewItemId: item.id,
      reason: 'convert_to_jit',
    });

    // The person asks and gets it, just in time.
    const { grantId } = await requestAndApprove(t, person, approver, gId);
    await waitForGrant(t, person.token, grantId, 'active');
    expect(emulatorHasMember(emu, g.id, user.id)).toBe(true);
  });
});

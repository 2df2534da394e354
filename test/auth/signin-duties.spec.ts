import { campaignItems, launchCampaign } from '../helpers/campaigns';
import { putRequestablePolicy } from '../helpers/grants';
import { localId } from '../helpers/org';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';
import { browserRequest, signedIn, type SignInOrg, startSignInOrg, stopSignInOrg } from '../helpers/signin';

/**
 * Separation of duties (ARCHITECTURE.md rule 4) for people who signed in: their identity comes from
 * the provider, and nobody decides an item about their own account or approves their own request,
 * admins (here: through the admin group) included.
 */
describe('separation of duties for signed-in people', () => {
  let org: SignInOrg;

  beforeAll(async () => {
    org = await startSignInOrg({
      names: ['rev', 'req', 'appr'],
      admins: ['ada'],
      groups: { reviewed: ['ada', 'rev'], requested: [] },
    });
  }, 180_000);

  afterAll(async () => {
    if (org) await stopSignInOrg(org);
  });

  it('nobody reviews their own access, not even an admin overriding', async () => {
    const ada = await signedIn(org, org.people.ada);
    const rev = await signedIn(org, org.people.rev);
    const revId = (await browserRequest(org, rev, 'GET', '/api/v1/me')).body.id as string;
    // Admins no longer mint for people while sign-in is on: the fallback needs no token here.
    const fallback = (
      await org.t.request('POST', '/api/v1/principals', {
        token: BOOTSTRAP_TOKEN,
        body: { email: `fallback.${Date.now()}@nowhere.example.com` },
      })
    ).body as { id: string };
    const groupId = await localId(org.db, org.connectionId, 'directory_groups', org.groups.reviewed);
    const campaign = await launchCampaign(
      org.t,
      { token: BOOTSTRAP_TOKEN },
      { token: BOOTSTRAP_TOKEN },
      {
        connectionId: org.connectionId,
        name: 'Signed-in review',
        scope: { groupIds: [groupId] },
        reviewerStrategy: 'named',
        reviewerIds: [revId],
        fallbackReviewerIds: [fallback.id],
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        defaultDecision: 'none',
        autoRemediate: false,
      },
    );
    const items = await campaignItems(org.t, BOOTSTRAP_TOKEN, campaign.id);
    const adaItem = items.find((i) => i.account.email === org.people.ada.email)!;
    const revItem = items.find((i) => i.account.email === org.people.rev.email)!;
    // The reviewer's own membership went to the fallback reviewer.
    expect(adaItem.reviewerId).toBe(revId);
    expect(revItem.reviewerId).toBe(fallback.id);
    // The reviewer's queue, from the session, holds only the other person's item.
    const queue = await browserRequest(org, rev, 'GET', '/api/v1/reviews?limit=500');
    expect(queue.body.items.map((i: { id: string }) => i.id)).toEqual([adaItem.id]);
    const own = await browserRequest(org, rev, 'POST', `/api/v1/review-items/${revItem.id}/decision`, {
      body: { decision: 'keep' },
    });
    expect(own.status).toBe(403);
    // Ada, an admin through the admin group, may override others' items but not her own.
    const adaOwn = await browserRequest(org, ada, 'POST', `/api/v1/review-items/${adaItem.id}/decision`, {
      body: { decision: 'keep' },
    });
    expect([adaOwn.status, adaOwn.body.code]).toEqual([403, 'separation_of_duties']);
    const override = await browserRequest(org, ada, 'POST', `/api/v1/review-items/${revItem.id}/decision`, {
      body: { decision: 'keep' },
    });
    expect(override.status).toBe(200);
    expect(override.body).toMatchObject({ decision: 'keep', override: true });
    const stillPending = (await campaignItems(org.t, BOOTSTRAP_TOKEN, campaign.id)).find(
      (i) => i.id === adaItem.id,
    )!;
    expect(stillPending.status).toBe('pending');
  });

  it('nobody approves their own request, even as an approver of the group', async () => {
    const req = await signedIn(org, org.people.req);
    const appr = await signedIn(org, org.people.appr);
    const reqId = (await browserRequest(org, req, 'GET', '/api/v1/me')).body.id as string;
    const apprId = (await browserRequest(org, appr, 'GET', '/api/v1/me')).body.id as string;
    const groupId = await localId(org.db, org.connectionId, 'directory_groups', org.groups.requested);
    expect((await putRequestablePolicy(org.t, BOOTSTRAP_TOKEN, groupId, [reqId, apprId])).status).toBe(200);

    const created = await browserRequest(org, req, 'POST', '/api/v1/access-requests', {
      body: { groupId, durationMinutes: 30 },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending');
    const self = await browserRequest(
      org,
      req,
      'POST',
      `/api/v1/access-requests/${created.body.id}/approve`,
      {
        body: {},
      },
    );
    expect([self.status, self.body.code]).toEqual([403, 'separation_of_duties']);
    const other = await browserRequest(
      org,
      appr,
      'POST',
      `/api/v1/access-requests/${created.body.id}/approve`,
      {
        body: {},
      },
    );
    expect(other.status).toBe(200);
    expect(other.body.status).toBe('approved');
    const ev = await org.t.request('GET', `/api/v1/audit-events?targetId=${created.body.id}`, {
      token: BOOTSTRAP_TOKEN,
    });
    const approved = (ev.body.items as { action: string; actor: { id: string; via: string } }[]).find((e) =>
      e.action.includes('approv'),
    );
    expect(approved?.actor).toMatchObject({ id: apprId, via: 'session' });
  });
});

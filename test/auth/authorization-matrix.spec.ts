import { type Client } from 'pg';
import { type CreatedTokenResponse } from '../../src/auth/dto/principal.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { waitForCampaign } from '../helpers/campaigns';
import { putRequestablePolicy } from '../helpers/grants';
import { createConnection } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { type Browser } from '../helpers/oidc';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal, uniqueEmail } from '../helpers/principals';
import { browserRequest, signedIn, type SignInOrg, startSignInOrg, stopSignInOrg } from '../helpers/signin';

/**
 * "Who may call what" (API.md), route by route: each route is called with no token, a revoked token,
 * an expired token, a disabled principal's token, and as a plain principal, an auditor and an admin,
 * and must answer exactly the status the table gives.
 */
type Caller = 'plain' | 'auditor' | 'admin';

interface Fixtures {
  target: TestPrincipal;
  failedOperation: () => Promise<string>;
  connectionId: string;
  newConnection: () => Promise<string>;
  runId: string;
  accountId: string;
  groupId: string;
  /** A group whose policy the PUT case may overwrite (not one of the requestable groups). */
  policyGroupId: string;
  caller: Record<Caller, TestPrincipal>;
  /** A pending access request (by the bootstrap admin, for a fresh account), or by `by` if given. */
  pendingRequest: (by?: TestPrincipal) => Promise<string>;
  /** A grant of a fresh account, approved by the admin caller (every caller approves the group). */
  grant: () => Promise<string>;
  /** A fresh token of the caller itself, for "own token" routes. */
  ownToken: (who: Caller) => Promise<string>;
  othersToken: () => Promise<string>;
  /** A fresh campaign of the fixture connection, in `draft` or (launched) `active`. */
  campaign: (status: 'draft' | 'active') => Promise<string>;
  /** The active campaign whose items are dealt to the three callers and `target`. */
  reviewCampaignId: string;
  /** An item of the review campaign currently assigned to this caller, or to `target`. */
  reviewItem: (who: Caller | 'target') => Promise<string>;
}

interface RouteCase {
  name: string;
  method: string;
  path: (f: Fixtures, who: Caller) => Promise<string> | string;
  body?: () => unknown;
  expect: Record<Caller, number>;
}

const ANY_UUID = '00000000-0000-4000-8000-000000000001';

// Set in beforeAll from the emulator; bodies are built when a case runs.
let CONNECTION_BODY: () => Record<string, string> = () => ({});
// A fresh (group, account) pair of the requestable groups, none a standing member: one per request.
let NEXT_PAIR: () => { groupId: string; accountId: string } = () => ({ groupId: '', accountId: '' });
// Campaign bodies (set in beforeAll) and the principal that reassignments hand items to.
let CAMPAIGN_BODY: () => Record<string, unknown> = () => ({});
let BULK_ITEM_ID = '';
let REASSIGN_TO = '';
// A JumpCloud administrator's account: never the beneficiary of an access request.
let ADMIN_ACCOUNT_ID = '';
// A fresh webhook notification channel (made by the bootstrap admin), one per case that needs one.
let NEW_CHANNEL: () => Promise<string> = () => Promise.resolve('');
const CHANNEL_BODY = () => ({
  type: 'webhook',
  name: 'matrix hook',
  enabled: false,
  config: { url: 'http://127.0.0.1:9/hook', secret: '0123456789abcdef-matrix' },
});

const ROUTES: RouteCase[] = [
  {
    name: 'GET /me',
    method: 'GET',
    path: () => '/api/v1/me',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /me/tokens',
    method: 'POST',
    path: () => '/api/v1/me/tokens',
    body: () => ({ name: 'matrix' }),
    expect: { plain: 201, auditor: 201, admin: 201 },
  },
  {
    name: 'DELETE /tokens/{id} (own token)',
    method: 'DELETE',
    path: async (f, who) => `/api/v1/tokens/${await f.ownToken(who)}`,
    expect: { plain: 204, auditor: 204, admin: 204 },
  },
  {
    name: "DELETE /tokens/{id} (another principal's token)",
    method: 'DELETE',
    path: async (f) => `/api/v1/tokens/${await f.othersToken()}`,
    expect: { plain: 403, auditor: 403, admin: 204 },
  },
  {
    name: 'POST /principals',
    method: 'POST',
    path: () => '/api/v1/principals',
    body: () => ({ email: uniqueEmail('matrix') }),
    expect: { plain: 403, auditor: 403, admin: 201 },
  },
  {
    name: 'GET /principals',
    method: 'GET',
    path: () => '/api/v1/principals',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /principals/{id}',
    method: 'GET',
    path: (f) => `/api/v1/principals/${f.target.id}`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'PATCH /principals/{id}',
    method: 'PATCH',
    path: (f) => `/api/v1/principals/${f.target.id}`,
    body: () => ({ displayName: 'Renamed' }),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'POST /principals/{id}/tokens (mint for another)',
    method: 'POST',
    path: (f) => `/api/v1/principals/${f.target.id}/tokens`,
    body: () => ({ name: 'minted' }),
    expect: { plain: 403, auditor: 403, admin: 201 },
  },
  {
    name: 'GET /principals/{id}/tokens',
    method: 'GET',
    path: (f) => `/api/v1/principals/${f.target.id}/tokens`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /audit-events',
    method: 'GET',
    path: () => '/api/v1/audit-events',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /connections/test',
    method: 'POST',
    path: () => '/api/v1/connections/test',
    body: () => CONNECTION_BODY(),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'POST /connections',
    method: 'POST',
    path: () => '/api/v1/connections',
    body: () => CONNECTION_BODY(),
    expect: { plain: 403, auditor: 403, admin: 201 },
  },
  {
    name: 'GET /connections',
    method: 'GET',
    path: () => '/api/v1/connections',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /connections/{id}',
    method: 'GET',
    path: (f) => `/api/v1/connections/${f.connectionId}`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'PATCH /connections/{id}',
    method: 'PATCH',
    path: (f) => `/api/v1/connections/${f.connectionId}`,
    body: () => ({ name: 'Renamed connection' }),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'DELETE /connections/{id}',
    method: 'DELETE',
    path: async (f) => `/api/v1/connections/${await f.newConnection()}`,
    expect: { plain: 403, auditor: 403, admin: 204 },
  },
  {
    name: 'POST /connections/{id}/syncs',
    method: 'POST',
    path: (f) => `/api/v1/connections/${f.connectionId}/syncs`,
    expect: { plain: 403, auditor: 403, admin: 202 },
  },
  {
    name: 'GET /connections/{id}/syncs',
    method: 'GET',
    path: (f) => `/api/v1/connections/${f.connectionId}/syncs`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /syncs/{id}',
    method: 'GET',
    path: (f) => `/api/v1/syncs/${f.runId}`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /syncs/{id}/held',
    method: 'GET',
    path: (f) => `/api/v1/syncs/${f.runId}/held`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /accounts',
    method: 'GET',
    path: () => '/api/v1/accounts',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /accounts/{id}',
    method: 'GET',
    path: (f) => `/api/v1/accounts/${f.accountId}`,
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    // Not the plain caller's own account, nor one whose request it may approve (requests are for users).
    name: "GET /accounts/{id}/history (another's account)",
    method: 'GET',
    path: () => `/api/v1/accounts/${ADMIN_ACCOUNT_ID}/history`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: "GET /accounts/{id}/access (another's account)",
    method: 'GET',
    path: () => `/api/v1/accounts/${ADMIN_ACCOUNT_ID}/access`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    // Any principal; a plain one sees only the rows about accounts it may read.
    name: 'GET /groups/{id}/history',
    method: 'GET',
    path: (f) => `/api/v1/groups/${f.groupId}/history`,
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /groups',
    method: 'GET',
    path: () => '/api/v1/groups',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /groups/{id}/members',
    method: 'GET',
    path: (f) => `/api/v1/groups/${f.groupId}/members`,
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /applications',
    method: 'GET',
    path: () => '/api/v1/applications',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /provisioning-operations',
    method: 'GET',
    path: () => '/api/v1/provisioning-operations',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /provisioning-operations/{id}/retry',
    method: 'POST',
    path: async (f) => `/api/v1/provisioning-operations/${await f.failedOperation()}/retry`,
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'GET /audit-events/verify',
    method: 'GET',
    path: () => '/api/v1/audit-events/verify',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'PUT /groups/{id}/policy',
    method: 'PUT',
    path: (f) => `/api/v1/groups/${f.policyGroupId}/policy`,
    body: () => ({ ownerIds: [], requestable: false, maxDurationMinutes: 60, requireJustification: false }),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'GET /groups/{id}/policy',
    method: 'GET',
    path: (f) => `/api/v1/groups/${f.groupId}/policy`,
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /catalog',
    method: 'GET',
    path: () => '/api/v1/catalog',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    // Every caller owns the requestable groups, so each may ask for another account.
    name: 'POST /access-requests',
    method: 'POST',
    path: () => '/api/v1/access-requests',
    body: () => NEXT_PAIR(),
    expect: { plain: 201, auditor: 201, admin: 201 },
  },
  {
    name: 'GET /access-requests',
    method: 'GET',
    path: () => '/api/v1/access-requests',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /access-requests/{id}',
    method: 'GET',
    path: async (f) => `/api/v1/access-requests/${await f.pendingRequest()}`,
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /access-requests/{id}/approve',
    method: 'POST',
    path: async (f) => `/api/v1/access-requests/${await f.pendingRequest()}/approve`,
    body: () => ({}),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /access-requests/{id}/deny',
    method: 'POST',
    path: async (f) => `/api/v1/access-requests/${await f.pendingRequest()}/deny`,
    body: () => ({ comment: 'no' }),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /access-requests/{id}/cancel (own request)',
    method: 'POST',
    path: async (f, who) => `/api/v1/access-requests/${await f.pendingRequest(f.caller[who])}/cancel`,
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /grants',
    method: 'GET',
    path: () => '/api/v1/grants',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /grants/{id}/revoke',
    method: 'POST',
    path: async (f) => `/api/v1/grants/${await f.grant()}/revoke`,
    body: () => ({ reason: 'matrix' }),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /campaigns',
    method: 'POST',
    path: () => '/api/v1/campaigns',
    body: () => CAMPAIGN_BODY(),
    expect: { plain: 403, auditor: 403, admin: 201 },
  },
  {
    name: 'POST /campaigns/preview',
    method: 'POST',
    path: () => '/api/v1/campaigns/preview',
    body: () => CAMPAIGN_BODY(),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'GET /campaigns/{id}/progress',
    method: 'GET',
    path: (f) => `/api/v1/campaigns/${f.reviewCampaignId}/progress?by=reviewer`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /reviews/summary',
    method: 'GET',
    path: () => '/api/v1/reviews/summary',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /campaigns',
    method: 'GET',
    path: () => '/api/v1/campaigns',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /campaigns/{id}',
    method: 'GET',
    path: (f) => `/api/v1/campaigns/${f.reviewCampaignId}`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /campaigns/{id}/launch',
    method: 'POST',
    path: async (f) => `/api/v1/campaigns/${await f.campaign('draft')}/launch`,
    expect: { plain: 403, auditor: 403, admin: 202 },
  },
  {
    name: 'POST /campaigns/{id}/close',
    method: 'POST',
    path: async (f) => `/api/v1/campaigns/${await f.campaign('active')}/close`,
    expect: { plain: 403, auditor: 403, admin: 202 },
  },
  {
    name: 'POST /campaigns/{id}/cancel',
    method: 'POST',
    path: async (f) => `/api/v1/campaigns/${await f.campaign('draft')}/cancel`,
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'GET /campaigns/{id}/items',
    method: 'GET',
    path: (f) => `/api/v1/campaigns/${f.reviewCampaignId}/items`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /campaigns/{id}/report.csv',
    method: 'GET',
    path: (f) => `/api/v1/campaigns/${f.reviewCampaignId}/report.csv`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /reviews',
    method: 'GET',
    path: () => '/api/v1/reviews',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /review-items/{id}/decision (own item)',
    method: 'POST',
    path: async (f, who) => `/api/v1/review-items/${await f.reviewItem(who)}/decision`,
    body: () => ({ decision: 'keep' }),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: "POST /review-items/{id}/decision (another reviewer's item: admin override)",
    method: 'POST',
    path: async (f) => `/api/v1/review-items/${await f.reviewItem('target')}/decision`,
    body: () => ({ decision: 'keep' }),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    // Any principal may post; each item is then checked (a plain caller's is rejected, not refused).
    name: 'POST /reviews/decisions',
    method: 'POST',
    path: () => '/api/v1/reviews/decisions',
    body: () => ({ decisions: [{ itemId: BULK_ITEM_ID, decision: 'keep' }] }),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: "POST /review-items/{id}/reassign (another reviewer's item)",
    method: 'POST',
    path: async (f) => `/api/v1/review-items/${await f.reviewItem('target')}/reassign`,
    body: () => ({ reviewerId: REASSIGN_TO, reason: 'matrix' }),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    // Last of the review routes: each caller hands its own item to `target`.
    name: 'POST /review-items/{id}/reassign (own item)',
    method: 'POST',
    path: async (f, who) => `/api/v1/review-items/${await f.reviewItem(who)}/reassign`,
    body: () => ({ reviewerId: REASSIGN_TO, reason: 'matrix' }),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'POST /notification-channels',
    method: 'POST',
    path: () => '/api/v1/notification-channels',
    body: CHANNEL_BODY,
    expect: { plain: 403, auditor: 403, admin: 201 },
  },
  {
    name: 'GET /notification-channels',
    method: 'GET',
    path: () => '/api/v1/notification-channels',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /notification-channels/{id}',
    method: 'GET',
    path: async () => `/api/v1/notification-channels/${await NEW_CHANNEL()}`,
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'PATCH /notification-channels/{id}',
    method: 'PATCH',
    path: async () => `/api/v1/notification-channels/${await NEW_CHANNEL()}`,
    body: () => ({ name: 'renamed' }),
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'DELETE /notification-channels/{id}',
    method: 'DELETE',
    path: async () => `/api/v1/notification-channels/${await NEW_CHANNEL()}`,
    expect: { plain: 403, auditor: 403, admin: 204 },
  },
  {
    name: 'POST /notification-channels/{id}/test',
    method: 'POST',
    path: async () => `/api/v1/notification-channels/${await NEW_CHANNEL()}/test`,
    expect: { plain: 403, auditor: 403, admin: 200 },
  },
  {
    name: 'GET /notifications',
    method: 'GET',
    path: () => '/api/v1/notifications',
    expect: { plain: 403, auditor: 200, admin: 200 },
  },
  {
    name: 'GET /me/notification-preferences',
    method: 'GET',
    path: () => '/api/v1/me/notification-preferences',
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
  {
    name: 'PUT /me/notification-preferences',
    method: 'PUT',
    path: () => '/api/v1/me/notification-preferences',
    body: () => ({ kinds: { grant_active: { email: false } } }),
    expect: { plain: 200, auditor: 200, admin: 200 },
  },
];

describe('authorization matrix (API.md "Who may call what")', () => {
  let t: TestApp;
  let db: Client;
  let f: Fixtures;
  let emu: RunningEmulator;
  const bad: Record<string, string> = {};

  beforeAll(async () => {
    // The matrix makes many failed attempts from one address on purpose.
    const org = await startEmulatedOrg({}, { env: { AUTH_FAILURE_LIMIT: '100000' } });
    ({ emu, t, db } = org);
    const { connectionId, run } = org;
    CONNECTION_BODY = () => ({
      name: 'matrix',
      orgId: emu.credentials.orgId,
      clientId: emu.credentials.clientId,
      clientSecret: emu.credentials.clientSecret,
    });
    const account = await t.request('GET', `/api/v1/accounts?connectionId=${connectionId}&limit=1`, {
      token: BOOTSTRAP_TOKEN,
    });
    const group = await t.request('GET', `/api/v1/groups?connectionId=${connectionId}&limit=1`, {
      token: BOOTSTRAP_TOKEN,
    });
    const caller = {
      plain: await createPrincipal(t),
      auditor: await createPrincipal(t, { roles: ['auditor'] }),
      admin: await createPrincipal(t, { roles: ['admin'] }),
    };
    const target = await createPrincipal(t);
    // Requestable groups that every caller owns (and so approves), and fresh (group, account) pairs.
    const { rows: staticGroups } = await db.query<{ id: string }>(
      `SELECT id FROM directory_groups WHERE connection_id = $1 AND membership_method <> 'DYNAMIC_AUTOMATED'
         AND removed_at IS NULL ORDER BY id`,
      [connectionId],
    );
    const [policyGroup, ...requestable] = staticGroups;
    ADMIN_ACCOUNT_ID = (
      await db.query<{ id: string }>(
        `SELECT id FROM directory_accounts WHERE connection_id = $1 AND kind = 'admin' ORDER BY id LIMIT 1`,
        [connectionId],
      )
    ).rows[0].id;
    for (const g of requestable) {
      const res = await putRequestablePolicy(t, BOOTSTRAP_TOKEN, g.id, [
        caller.plain.id,
        caller.auditor.id,
        caller.admin.id,
      ]);
      if (res.status !== 200) throw new Error(`policy: ${res.status} ${res.text}`);
    }
    const { rows: pairs } = await db.query<{ groupId: string; accountId: string }>(
      `SELECT g.id AS "groupId", a.id AS "accountId" FROM directory_groups g
       JOIN directory_accounts a ON a.connection_id = g.connection_id AND a.kind = 'user' AND a.removed_at IS NULL
       WHERE g.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM directory_memberships m
         WHERE m.group_id = g.id AND m.account_id = a.id AND m.removed_at IS NULL)
       ORDER BY a.id, g.id`,
      [requestable.map((g) => g.id)],
    );
    NEXT_PAIR = () => {
      const pair = pairs.shift();
      if (!pair) throw new Error('no (group, account) pair left');
      return pair;
    };
    const pendingRequest = async (by?: TestPrincipal) => {
      const res = await t.request('POST', '/api/v1/access-requests', {
        token: by?.token ?? BOOTSTRAP_TOKEN,
        body: NEXT_PAIR(),
      });
      if (res.status !== 201) throw new Error(`request: ${res.status} ${res.text}`);
      return res.body.id as string;
    };
    const mint = async (p: TestPrincipal) =>
      (await t.request('POST', '/api/v1/me/tokens', { token: p.token, body: { name: 'extra' } }))
        .body as CreatedTokenResponse;
    // Review campaigns: whole groups dealt to the three callers and `target`, none of them a member.
    const { rows: memberGroups } = await db.query<{ id: string }>(
      `SELECT DISTINCT group_id AS id FROM directory_memberships WHERE connection_id = $1 AND removed_at IS NULL
       ORDER BY group_id LIMIT 4`,
      [connectionId],
    );
    CAMPAIGN_BODY = () => ({
      connectionId,
      name: 'matrix',
      scope: { groupIds: memberGroups.map((g) => g.id) },
      reviewerStrategy: 'named',
      reviewerIds: [caller.plain.id, caller.auditor.id, caller.admin.id, target.id],
      fallbackReviewerIds: [target.id],
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      defaultDecision: 'none',
      autoRemediate: false,
    });
    const campaign = async (status: 'draft' | 'active') => {
      const res = await t.request('POST', '/api/v1/campaigns', {
        token: BOOTSTRAP_TOKEN,
        body: CAMPAIGN_BODY(),
      });
      if (res.status !== 201) throw new Error(`campaign: ${res.status} ${res.text}`);
      const id = res.body.id as string;
      if (status === 'draft') return id;
      await t.request('POST', `/api/v1/campaigns/${id}/launch`, { token: BOOTSTRAP_TOKEN });
      await waitForCampaign(t, BOOTSTRAP_TOKEN, id, 'active');
      return id;
    };
    const reviewCampaignId = await campaign('active');
    const reviewItem = async (who: Caller | 'target') => {
      const reviewer = who === 'target' ? target : caller[who];
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM review_items WHERE campaign_id = $1 AND reviewer_id = $2 ORDER BY id LIMIT 1`,
        [reviewCampaignId, reviewer.id],
      );
      if (!rows[0]) throw new Error(`no review item for ${who}`);
      return rows[0].id;
    };
    BULK_ITEM_ID = await reviewItem('admin');
    REASSIGN_TO = target.id;
    NEW_CHANNEL = async () => {
      const res = await t.request('POST', '/api/v1/notification-channels', {
        token: BOOTSTRAP_TOKEN,
        body: CHANNEL_BODY(),
      });
      if (res.status !== 201) throw new Error(`channel: ${res.status} ${res.text}`);
      return res.body.id as string;
    };
    f = {
      target,
      campaign,
      reviewCampaignId,
      reviewItem,
      // A review item's (no such item): only the route's own rules apply, not a grant's retry rule.
      // In the policy group, which no access request uses: the admin's retry really adds the member,
      // and in a requestable group that could be a pair a later request takes (409 already_member).
      failedOperation: async () => {
        const { rows } = await db.query(
          `INSERT INTO provisioning_operations (connection_id, action, account_id, group_id, reason, source_type, source_id,
             idempotency_key, status, attempts, last_error)
           SELECT $1, 'add_member', a.id, $2, 'matrix', 'review_item', gen_random_uuid(), gen_random_uuid()::text, 'failed', 8,
                  'unavailable: test'
           FROM directory_accounts a
           WHERE a.connection_id = $1 AND a.kind = 'user' ORDER BY a.id LIMIT 1 RETURNING id`,
          [connectionId, policyGroup.id],
        );
        return rows[0].id as string;
      },
      connectionId,
      newConnection: async () => (await createConnection(t, emu)).id,
      runId: run!.id,
      accountId: account.body.items[0].id,
      groupId: group.body.items[0].id,
      policyGroupId: policyGroup.id,
      pendingRequest,
      grant: async () => {
        const id = await pendingRequest();
        const res = await t.request('POST', `/api/v1/access-requests/${id}/approve`, {
          token: caller.admin.token,
          body: {},
        });
        if (res.status !== 200) throw new Error(`approve: ${res.status} ${res.text}`);
        return res.body.grantId as string;
      },
      caller,
      ownToken: async (who) => (await mint(caller[who])).id,
      othersToken: async () => (await mint(target)).id,
    };

    const revoked = await mint(caller.admin);
    await t.request('DELETE', `/api/v1/tokens/${revoked.id}`, { token: caller.admin.token });
    bad.revoked = revoked.token;
    const expired = await mint(caller.admin);
    await db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      expired.id,
    ]);
    bad.expired = expired.token;
    const disabled = await createPrincipal(t, { roles: ['admin'] });
    await t.request('PATCH', `/api/v1/principals/${disabled.id}`, {
      token: BOOTSTRAP_TOKEN,
      body: { disabled: true },
    });
    bad.disabled = disabled.token;
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it.each(['/health', '/api/docs-json'])('serves %s without a token', async (path) => {
    expect((await t.request('GET', path)).status).toBe(200);
  });

  describe.each(ROUTES)('$name', (route) => {
    it('answers 401 with no token, a revoked or expired token, or a disabled principal', async () => {
      const path = await route.path(f, 'admin');
      const body = route.body?.();
      const got = {
        none: (await t.request(route.method, path, { body })).status,
        revoked: (await t.request(route.method, path, { body, token: bad.revoked })).status,
        expired: (await t.request(route.method, path, { body, token: bad.expired })).status,
        disabled: (await t.request(route.method, path, { body, token: bad.disabled })).status,
        garbage: (await t.request(route.method, path, { body, token: 'not-a-token' })).status,
      };
      expect(got).toEqual({ none: 401, revoked: 401, expired: 401, disabled: 401, garbage: 401 });
    });

    it.each(['plain', 'auditor', 'admin'] as Caller[])('answers the table’s status to %s', async (who) => {
      const path = await route.path(f, who);
      const res = await t.request(route.method, path, { token: f.caller[who].token, body: route.body?.() });
      expect({ who, status: res.status }).toEqual({ who, status: route.expect[who] });
    });
  });

  it('answers 404 to an id that does not exist and 400 to one that is not a UUID', async () => {
    const admin = f.caller.admin.token;
    expect((await t.request('GET', `/api/v1/principals/${ANY_UUID}`, { token: admin })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/principals/nope`, { token: admin })).status).toBe(400);
  });
});

/**
 * The sign-in and session routes (API.md "Sign-in and sessions"), each for none / person / auditor /
 * admin, once by bearer token and once by session cookie (writes with the CSRF header, as the web
 * app sends it). Roles come from the directory's role groups; every caller minted its own token from
 * its session, since admins no longer mint for people while sign-in is on.
 */
describe('authorization matrix: sign-in and session routes, by token and by session', () => {
  type Via = 'token' | 'session';
  interface SessionCase {
    name: string;
    method: string;
    path: (who: Caller) => Promise<string> | string;
    expect: Record<Caller | 'none', number>;
  }
  let org: SignInOrg;
  const jars = {} as Record<Caller, Browser>;
  const tokens = {} as Record<Caller, string>;
  const people: Record<Caller, keyof SignInOrg['people']> = { plain: 'cy', auditor: 'bo', admin: 'ada' };
  let targetId = '';

  beforeAll(async () => {
    org = await startSignInOrg({
      names: ['cy', 'target'],
      auditors: ['bo'],
      admins: ['ada'],
      env: { AUTH_FAILURE_LIMIT: '100000' },
    });
    for (const who of ['plain', 'auditor', 'admin'] as Caller[]) {
      jars[who] = await signedIn(org, org.people[people[who]]);
      const minted = await browserRequest(org, jars[who], 'POST', '/api/v1/me/tokens', {
        body: { name: 'matrix' },
      });
      if (minted.status !== 201) throw new Error(`mint own: ${minted.status}`);
      tokens[who] = minted.body.token as string;
    }
    const target = await signedIn(org, org.people.target);
    targetId = (await browserRequest(org, target, 'GET', '/api/v1/me')).body.id as string;
  }, 180_000);

  afterAll(async () => {
    if (org) await stopSignInOrg(org);
  });

  /** A second session of the caller (never the one making the request), to end. */
  const spareSession = async (who: Caller): Promise<string> => {
    const spare = await signedIn(org, org.people[people[who]]);
    return (
      (await browserRequest(org, spare, 'GET', '/api/v1/me/sessions')).body.items as {
        id: string;
        current: boolean;
      }[]
    ).find((s) => s.current)!.id;
  };
  /** The target signs in again before each call, so "end all" always has a session to end. */
  const targetSessions = async (): Promise<string> => {
    await signedIn(org, org.people.target);
    return `/api/v1/principals/${targetId}/sessions`;
  };

  const CASES: SessionCase[] = [
    {
      name: 'GET /me (from a session too)',
      method: 'GET',
      path: () => '/api/v1/me',
      expect: { none: 401, plain: 200, auditor: 200, admin: 200 },
    },
    {
      name: 'GET /me/sessions',
      method: 'GET',
      path: () => '/api/v1/me/sessions',
      expect: { none: 401, plain: 200, auditor: 200, admin: 200 },
    },
    {
      name: 'DELETE /me/sessions/{id} (own session)',
      method: 'DELETE',
      path: async (who) => `/api/v1/me/sessions/${await spareSession(who)}`,
      expect: { none: 401, plain: 204, auditor: 204, admin: 204 },
    },
    {
      name: 'GET /principals/{id}/sessions',
      method: 'GET',
      path: targetSessions,
      expect: { none: 401, plain: 403, auditor: 200, admin: 200 },
    },
    {
      name: 'DELETE /principals/{id}/sessions',
      method: 'DELETE',
      path: targetSessions,
      expect: { none: 401, plain: 403, auditor: 403, admin: 204 },
    },
    {
      name: 'GET /auth/login',
      method: 'GET',
      path: () => '/auth/login?returnTo=/reviews',
      expect: { none: 302, plain: 302, auditor: 302, admin: 302 },
    },
    {
      name: 'GET /auth/callback',
      method: 'GET',
      path: () => '/auth/callback?code=x&state=y',
      expect: { none: 302, plain: 302, auditor: 302, admin: 302 },
    },
  ];

  describe.each(CASES)('$name', (c) => {
    it('answers the table’s status with no credential', async () => {
      const res = await fetch(org.t.url + (await c.path('admin')), { method: c.method, redirect: 'manual' });
      expect(res.status).toBe(c.expect.none);
    });

    it.each(
      (['plain', 'auditor', 'admin'] as Caller[]).flatMap((who) =>
        (['token', 'session'] as Via[]).map((via) => [who, via]),
      ),
    )('answers the table’s status to %s by %s', async (who, via) => {
      const path = await c.path(who as Caller);
      const status =
        via === 'token'
          ? // Redirects are answers here, not to be followed.
            (
              await fetch(org.t.url + path, {
                method: c.method,
                headers: { authorization: `Bearer ${tokens[who as Caller]}` },
                redirect: 'manual',
              })
            ).status
          : (await browserRequest(org, jars[who as Caller], c.method, path)).status;
      expect({ who, via, status }).toEqual({ who, via, status: c.expect[who as Caller] });
    });
  });

  it('POST /auth/logout: 204 for anyone; by session it needs the CSRF header and ends that session', async () => {
    expect((await fetch(`${org.t.url}/auth/logout`, { method: 'POST' })).status).toBe(204);
    for (const who of ['plain', 'auditor', 'admin'] as Caller[]) {
      expect((await org.t.request('POST', '/auth/logout', { token: tokens[who] })).status).toBe(204);
      const jar = await signedIn(org, org.people[people[who]]);
      expect((await browserRequest(org, jar, 'POST', '/auth/logout', { csrf: false })).status).toBe(403);
      expect((await browserRequest(org, jar, 'POST', '/auth/logout')).status).toBe(204);
      expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(401);
      // The token still works: logout ends a session, not the principal's tokens.
      expect((await org.t.request('GET', '/api/v1/me', { token: tokens[who] })).status).toBe(200);
    }
  });

  it('answers 401 to an ended, unknown or garbage session cookie', async () => {
    for (const cookie of ['jg_session=unknown-secret', 'jg_session=', `jg_session=${'x'.repeat(300)}`]) {
      expect((await fetch(`${org.t.url}/api/v1/me`, { headers: { cookie } })).status).toBe(401);
    }
  });
});

import { type Client } from 'pg';
import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type TestApp } from './app';
import { pollUntil } from './poll';

/** `POST /campaigns` body: a named-reviewer campaign due in a day, with `body` on top. */
export function campaignBody(
  connectionId: string,
  fallbackReviewerId: string,
  body: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    connectionId,
    name: 'Quarterly review',
    scope: {},
    reviewerStrategy: 'named',
    fallbackReviewerIds: [fallbackReviewerId],
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    defaultDecision: 'none',
    autoRemediate: true,
    ...body,
  };
}

/** Polls `GET /campaigns/{id}` until the campaign has `status`; throws with what it last saw. */
export async function waitForCampaign(
  t: TestApp,
  token: string,
  id: string,
  status: string,
  timeoutMs = 30_000,
): Promise<CampaignResponse> {
  return pollUntil(
    async () => (await t.request<CampaignResponse>('GET', `/api/v1/campaigns/${id}`, { token })).body,
    (c) => c.status === status,
    (c) => `campaign ${id} is ${c.status}, not ${status}`,
    { timeoutMs },
  );
}

/** Up to 500 items of a campaign, as `GET /campaigns/{id}/items` gives them. */
export async function campaignItems(
  t: TestApp,
  token: string,
  campaignId: string,
  query = '',
): Promise<ReviewItemResponse[]> {
  const res = await t.request('GET', `/api/v1/campaigns/${campaignId}/items?limit=500${query}`, { token });
  expect(res.status).toBe(200);
  return res.body.items as ReviewItemResponse[];
}

/** Creates (`admin`) and launches a campaign, then waits (`watcher`) until it is active, as it is then. */
export async function launchCampaign(
  t: TestApp,
  admin: { token: string },
  watcher: { token: string },
  body: Record<string, unknown>,
): Promise<CampaignResponse> {
  const created = await t.request('POST', '/api/v1/campaigns', { token: admin.token, body });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await t.request('POST', `/api/v1/campaigns/${id}/launch`, { token: admin.token })).status).toBe(
    202,
  );
  return waitForCampaign(t, watcher.token, id, 'active');
}

/**
 * The removals a close applies, as the rule documented in HeldRemovalsRepository says: per group by
 * lower-case email then account id, at most floor(share × the group's live members); across groups by
 * group name, then id, the first `maxPerClose`. `revokes` are the group items the close removes;
 * `members` counts a group's live members (default: its revokes, when every member is revoked).
 */
export function plannedRemovals(
  revokes: ReviewItemResponse[],
  caps: { share: number; maxPerClose: number },
  members: (groupId: string) => number = (g) => revokes.filter((i) => i.group?.id === g).length,
): Set<string> {
  const byGroup = new Map<string, ReviewItemResponse[]>();
  for (const i of revokes) byGroup.set(i.group!.id, [...(byGroup.get(i.group!.id) ?? []), i]);
  const groupOrder = [...byGroup.keys()].sort((a, b) => {
    const [na, nb] = [byGroup.get(a)![0].group!.name, byGroup.get(b)![0].group!.name];
    return na < nb ? -1 : na > nb ? 1 : a < b ? -1 : 1;
  });
  const within: ReviewItemResponse[] = [];
  for (const g of groupOrder) {
    const sorted = [...byGroup.get(g)!].sort((a, b) => {
      const [ea, eb] = [a.account.email!.toLowerCase(), b.account.email!.toLowerCase()];
      return ea < eb ? -1 : ea > eb ? 1 : a.account.id < b.account.id ? -1 : 1;
    });
    within.push(...sorted.slice(0, Math.floor(caps.share * members(g))));
  }
  return new Set(within.slice(0, caps.maxPerClose).map((i) => i.id));
}

/**
 * Waits until the template tick (`campaigns.templates`) has run `n` more times, in whichever process:
 * its last run time is kept in Postgres.
 */
export async function templateTicks(db: Client, n: number, timeoutMs = 30_000): Promise<void> {
  const lastRun = async () =>
    (
      await db.query<{ at: Date | null }>(
        `SELECT max(last_run_at) AS at FROM cluster_tick_state WHERE name = 'campaigns.templates'`,
      )
    ).rows[0].at?.getTime() ?? 0;
  for (let i = 0; i < n; i++) {
    const before = await lastRun();
    await pollUntil(
      lastRun,
      (at) => at > before,
      () => 'the template tick did not run',
      { timeoutMs, intervalMs: 200 },
    );
  }
}

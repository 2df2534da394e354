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

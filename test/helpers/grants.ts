import { type GrantResponse } from '../../src/access/dto/access.dto';
import { type TestApp } from './app';
import { type TestPrincipal } from './principals';
import { pollUntil } from './poll';

/** One grant as `GET /grants` shows it to the holder of `token`. */
export async function findGrant(t: TestApp, token: string, grantId: string): Promise<GrantResponse> {
  const res = await t.request('GET', `/api/v1/grants?limit=500`, { token });
  return (res.body.items as GrantResponse[]).find((g) => g.id === grantId)!;
}

/** Polls `GET /grants` until the grant has `status`; throws with what it last saw. */
export async function waitForGrant(
  t: TestApp,
  token: string,
  grantId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<GrantResponse> {
  return pollUntil(
    () => findGrant(t, token, grantId),
    (g) => g.status === status,
    (g) => `grant ${grantId} is ${JSON.stringify(g)}, not ${status}`,
    { timeoutMs },
  );
}

/** `requester` asks for the group and `approver` approves: the request and its grant. */
export async function requestAndApprove(
  t: TestApp,
  requester: TestPrincipal,
  approver: TestPrincipal,
  groupId: string,
  durationMinutes = 30,
): Promise<{ requestId: string; grantId: string }> {
  const req = await t.request('POST', '/api/v1/access-requests', {
    token: requester.token,
    body: { groupId, durationMinutes },
  });
  expect(req.status).toBe(201);
  const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
    token: approver.token,
    body: {},
  });
  expect(ok.status).toBe(200);
  expect(ok.body.status).toBe('approved');
  return { requestId: req.body.id as string, grantId: ok.body.grantId as string };
}

/**
 * `PUT /groups/{id}/policy`: requestable for up to an hour, no justification, approved by `ownerIds`,
 * with `fields` on top (eligibility, steps, rules, break-glass...).
 */
export function putRequestablePolicy(
  t: TestApp,
  token: string,
  groupId: string,
  ownerIds: string[],
  fields: Record<string, unknown> = {},
) {
  return t.request('PUT', `/api/v1/groups/${groupId}/policy`, {
    token,
    body: { ownerIds, requestable: true, maxDurationMinutes: 60, requireJustification: false, ...fields },
  });
}

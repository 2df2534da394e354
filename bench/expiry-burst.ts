import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client } from 'pg';
import {
  type ApiCall,
  type EmulatorProcess,
  emulatorLogMark,
  emulatorRequests,
  membershipWritesPerUser,
  ratio,
  runCeiling,
} from './lib';

/** What the burst measured, and the bare ceiling beside it. */
export interface BurstResult {
  requests: number;
  /** From a request's send to its grant `active` (the membership confirmed in JumpCloud). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** First request sent → last grant active. */
  wallMs: number;
  /** JumpCloud calls per grant, counted from the emulator's request log: each must be exactly 1. */
  membershipReadsPerGrant: { min: number; max: number };
  membershipWritesPerGrant: { min: number; max: number };
  ceiling: { wallMs: number; p50Ms: number; p99Ms: number; concurrency: number; calls: number };
  wallToCeilingRatio: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/** At most `n` of `fn` at once over `items` (setting up principals must not be what the server chokes on). */
async function eachLimited<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * The burst (issue 21): `size` people each ask for the same group at the same moment through
 * `POST /api/v1/access-requests`, and a policy's auto-approve rule (the second; the first names a
 * department nobody has) approves every one at once. Measured: each request's send → its grant
 * `active`, and the JumpCloud calls each grant cost, counted per user from the emulator's own request
 * log (one membership read and one write each: anything else throws). Beside it, the bare ceiling
 * (`bench/ceilings/membership-writes.ts`): the same accounts' read + add straight to the emulator,
 * into another group, at the JumpCloud client's concurrency.
 */
export async function runBurst(o: {
  call: ApiCall;
  port: number;
  db: Client;
  emu: EmulatorProcess;
  connectionId: string;
  groupId: string;
  ceilingGroupId: string;
  size: number;
  concurrency: number;
}): Promise<BurstResult> {
  const { call, db, emu } = o;
  const { rows: accounts } = await db.query<{ id: string; email: string; external_id: string }>(
    `SELECT a.id, a.email, a.external_id FROM directory_accounts a
     WHERE a.connection_id = $1 AND a.kind = 'user' AND a.removed_at IS NULL AND a.email IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM directory_memberships m WHERE m.account_id = a.id AND m.removed_at IS NULL
                         AND m.group_id IN ($2, $3))
       AND NOT EXISTS (SELECT 1 FROM principals p WHERE lower(p.email) = lower(a.email))
     ORDER BY a.external_id DESC LIMIT $4`,
    [o.connectionId, o.groupId, o.ceilingGroupId, o.size],
  );
  if (accounts.length !== o.size) throw new Error(`only ${accounts.length} accounts for the burst`);
  const { rows: groups } = await db.query<{ id: string; external_id: string }>(
    `SELECT id, external_id FROM directory_groups WHERE id IN ($1, $2)`,
    [o.groupId, o.ceilingGroupId],
  );
  const externalOf = new Map(groups.map((g) => [g.id, g.external_id]));

  const owner = await call('POST', '/api/v1/principals', { email: 'burst-owner@bench.example' });
  await call('PUT', `/api/v1/groups/${o.groupId}/policy`, {
    ownerIds: [owner.id],
    requestable: true,
    maxDurationMinutes: 60,
    requireJustification: false,
    autoApproveRules: [
      { departments: ['no such department'], maxDurationMinutes: 60 },
      { maxDurationMinutes: 60 },
    ],
  });
  console.log(`burst: ${o.size} requesters (a principal and a token each)`);
  const people = await eachLimited(accounts, 16, async (a) => {
    const p = await call('POST', '/api/v1/principals', { email: a.email });
    const t = await call('POST', `/api/v1/principals/${p.id as string}/tokens`, { name: 'burst' });
    return { ...a, token: t.token as string };
  });

  const since = await emulatorLogMark(emu, 10 * o.size + 10_000);

  console.log(`burst: ${o.size} requests at once`);
  const sent = new Map<string, number>();
  const requestIds = await Promise.all(
    people.map(async (p) => {
      const at = Date.now();
      const res = await fetch(`http://127.0.0.1:${o.port}/api/v1/access-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ groupId: o.groupId, durationMinutes: 60 }),
      });
      const body = (await res.json()) as { id: string; status: string; approvals: { rule?: number }[] };
      if (res.status !== 201 || body.status !== 'approved' || body.approvals[0]?.rule !== 1) {
        throw new Error(`burst request: ${res.status} ${JSON.stringify(body)}`);
      }
      sent.set(body.id, at);
      return body.id;
    }),
  );
  const deadline = Date.now() + 600_000;
  let active: { request_id: string; at: number; account_id: string }[] = [];
  for (;;) {
    ({ rows: active } = await db.query<{ request_id: string; at: number; account_id: string }>(
      `SELECT request_id, account_id, (extract(epoch FROM starts_at) * 1000)::float8 AS at FROM access_grants
       WHERE request_id = ANY($1::uuid[]) AND status = 'active'`,
      [requestIds],
    ));
    if (active.length === o.size) break;
    if (Date.now() > deadline) throw new Error(`burst: ${active.length} of ${o.size} grants active`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const lateness = active.map((g) => g.at - (sent.get(g.request_id) as number)).sort((a, b) => a - b);
  const firstSent = Math.min(...sent.values());
  const lastActive = Math.max(...active.map((g) => g.at));

  // Per grant, from the emulator's log: the membership read before the add, and the add.
  const log = await emulatorRequests(emu, since);
  const reads = new Map<string, number>();
  for (const e of log) {
    const user = /\/users\/([^/]+)\/memberof/.exec(e.path)?.[1];
    if (e.method === 'GET' && user !== undefined) reads.set(user, (reads.get(user) ?? 0) + 1);
  }
  // Any membership write counts (a remove here would be as wrong as a second add).
  const writes = membershipWritesPerUser(log, 'add');
  for (const [user, n] of membershipWritesPerUser(log, 'remove'))
    writes.set(user, (writes.get(user) ?? 0) + n);
  const perGrant = (counts: Map<string, number>) => people.map((p) => counts.get(p.external_id) ?? 0);
  const r = perGrant(reads);
  const w = perGrant(writes);
  const result = {
    membershipReadsPerGrant: { min: Math.min(...r), max: Math.max(...r) },
    membershipWritesPerGrant: { min: Math.min(...w), max: Math.max(...w) },
  };
  console.log(
    `burst: JumpCloud calls per grant: reads ${result.membershipReadsPerGrant.min}–${result.membershipReadsPerGrant.max}, writes ${result.membershipWritesPerGrant.min}–${result.membershipWritesPerGrant.max}`,
  );
  const stray = [...reads.keys(), ...writes.keys()].filter(
    (u) => !people.some((p) => p.external_id === u),
  ).length;
  if (r.some((n) => n !== 1) || w.some((n) => n !== 1) || stray > 0) {
    throw new Error(
      `burst: every grant must cost exactly one membership read and one write; got reads ${JSON.stringify(result.membershipReadsPerGrant)}, writes ${JSON.stringify(result.membershipWritesPerGrant)}, ${stray} calls for other users`,
    );
  }

  const pairsFile = join(tmpdir(), `jumpgate-burst-pairs-${process.pid}.json`);
  writeFileSync(
    pairsFile,
    JSON.stringify(people.map((p) => ({ groupId: externalOf.get(o.ceilingGroupId), userId: p.external_id }))),
  );
  const ceiling = await runCeiling<BurstResult['ceiling']>('membership-writes', [
    '--api-url',
    emu.apiUrl,
    '--api-key',
    emu.credentials.apiKey,
    '--org-id',
    emu.credentials.orgId,
    '--pairs',
    pairsFile,
    '--concurrency',
    String(o.concurrency),
  ]);
  const wallMs = Math.round(lastActive - firstSent);
  return {
    requests: o.size,
    p50Ms: Math.round(percentile(lateness, 0.5)),
    p99Ms: Math.round(percentile(lateness, 0.99)),
    maxMs: Math.round(lateness[lateness.length - 1]),
    wallMs,
    ...result,
    ceiling: { ...ceiling, concurrency: o.concurrency },
    wallToCeilingRatio: ratio(wallMs, ceiling.wallMs),
  };
}

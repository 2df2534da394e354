import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { arg, CeilingPool } from './ceiling';

/**
 * Membership-write ceiling — bare, no jumpgate code: `node dist/bench/ceilings/membership-writes.js
 * --api-url URL --api-key KEY --org-id ID --pairs FILE [--concurrency 16]`. For each `{groupId, userId}`
 * of FILE (JSON, JumpCloud ids), what a grant's add costs in JumpCloud and nothing else: the one
 * membership read (`GET /v2/users/{id}/memberof?filter=object_id:eq:{group}`), then the one write
 * (`POST /v2/usergroups/{id}/members` `{op: "add"}`), all pairs started at once with at most
 * `concurrency` requests in flight. Prints one JSON line: parameters, wall time, p50/p99 from start to
 * each pair's write answered, calls.
 */
const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

async function main(): Promise<void> {
  const pool = CeilingPool.fromArgs(16);
  const pairs = JSON.parse(readFileSync(arg('pairs'), 'utf8')) as { groupId: string; userId: string }[];

  const started = performance.now();
  const done = await Promise.all(
    pairs.map(async ({ groupId, userId }) => {
      const read = await pool.send({
        path: `/v2/users/${userId}/memberof`,
        query: { filter: `object_id:eq:${groupId}`, limit: '100' },
        read: true,
      });
      if ((JSON.parse(read.text ?? '[]') as unknown[]).length > 0) {
        throw new Error(`${userId} is already in ${groupId}`);
      }
      await pool.send({
        method: 'POST',
        path: `/v2/usergroups/${groupId}/members`,
        body: { op: 'add', type: 'user', id: userId },
      });
      return performance.now() - started;
    }),
  );
  const wallMs = performance.now() - started;
  await pool.close();
  done.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      parameters: { pairs: pairs.length, concurrency: pool.concurrency },
      wallMs: Math.round(wallMs),
      p50Ms: Math.round(percentile(done, 0.5)),
      p99Ms: Math.round(percentile(done, 0.99)),
      calls: pool.calls,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

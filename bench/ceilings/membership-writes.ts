import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

/**
 * Membership-write ceiling — bare, no jumpgate code: `node dist/bench/ceilings/membership-writes.js
 * --api-url URL --api-key KEY --org-id ID --pairs FILE [--concurrency 16]`. For each `{groupId, userId}`
 * of FILE (JSON, JumpCloud ids), what a grant's add costs in JumpCloud and nothing else: the one
 * membership read (`GET /v2/users/{id}/memberof?filter=object_id:eq:{group}`), then the one write
 * (`POST /v2/usergroups/{id}/members` `{op: "add"}`), all pairs started at once with at most
 * `concurrency` requests in flight. Prints one JSON line: parameters, wall time, p50/p99 from start to
 * each pair's write answered, calls.
 */
function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

async function main(): Promise<void> {
  const apiUrl = arg('api-url').replace(/\/$/, '');
  const apiKey = arg('api-key');
  const orgId = arg('org-id');
  const concurrency = Number(arg('concurrency', '16'));
  const pairs = JSON.parse(readFileSync(arg('pairs'), 'utf8')) as { groupId: string; userId: string }[];
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
  const headers = { 'x-api-key': apiKey, 'x-org-id': orgId, accept: 'application/json' };
  let calls = 0;

  let active = 0;
  const waiting: (() => void)[] = [];
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  const call = (method: 'GET' | 'POST', path: string, body?: unknown) =>
    slot(async () => {
      const res = await request(`${apiUrl}${path}`, {
        method,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        body: body ? JSON.stringify(body) : undefined,
        dispatcher,
      });
      calls++;
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
      return text;
    });

  const started = performance.now();
  const done = await Promise.all(
    pairs.map(async ({ groupId, userId }) => {
      const read = await call(
        'GET',
        `/v2/users/${userId}/memberof?${new URLSearchParams({ filter: `object_id:eq:${groupId}`, limit: '100' }).toString()}`,
      );
      if ((JSON.parse(read) as unknown[]).length > 0) throw new Error(`${userId} is already in ${groupId}`);
      await call('POST', `/v2/usergroups/${groupId}/members`, { op: 'add', type: 'user', id: userId });
      return performance.now() - started;
    }),
  );
  const wallMs = performance.now() - started;
  await dispatcher.close();
  done.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      parameters: { pairs: pairs.length, concurrency },
      wallMs: Math.round(wallMs),
      p50Ms: Math.round(percentile(done, 0.5)),
      p99Ms: Math.round(percentile(done, 0.99)),
      calls,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

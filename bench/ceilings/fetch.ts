import { performance } from 'node:perf_hooks';
import { arg, CeilingPool } from './ceiling';

/**
 * Fetch ceiling — bare, no jumpgate code: `node dist/bench/ceilings/fetch.js --api-url URL --api-key KEY
 * --org-id ID [--concurrency 8] [--page-size 100]`. Pages through the endpoints a directory sync reads
 * (v1 `/systemusers` with the sync's `fields`, `/users`, `/applications` sorted by `_id`; v2 `/usergroups`,
 * each group's `/members`, each application's `/associations?targets=user_group`) with the same page size and at most
 * `concurrency` requests in flight, discarding the bodies (only the group and application listings are
 * parsed, for their ids). Prints one JSON line: parameters, wall time and each listing's, calls, bytes.
 */
// The projection a sync asks for (jumpgate's SYSTEM_USER_FIELDS, copied: this script imports nothing of jumpgate).
const USER_FIELDS =
  '_id email username firstname lastname displayname state activated suspended account_locked manager department jobTitle employeeIdentifier created admin';

async function main(): Promise<void> {
  const pool = CeilingPool.fromArgs(8);
  const { apiUrl, concurrency } = pool;
  const limit = Number(arg('page-size', '100'));
  const get = async (path: string, query: Record<string, string>, parse: boolean) => {
    const totalOf = (h: Record<string, unknown>) => Number(h['x-total-count'] ?? NaN);
    const res = await pool.send({
      path,
      query,
      // A v2 page without x-total-count is parsed, since only its length says whether it was the last.
      read: (h) => parse || (!Number.isFinite(totalOf(h)) && !query.sort),
    });
    return {
      total: totalOf(res.headers),
      body: res.text === null ? null : (JSON.parse(res.text) as unknown),
    };
  };

  /** v1 listing: first page for the total, then the rest at their offsets. */
  const v1 = async (path: string, parse: boolean, extra: Record<string, string> = {}): Promise<unknown[]> => {
    const q = (skip: number) => ({ ...extra, limit: String(limit), skip: String(skip), sort: '_id' });
    const first = await get(path, q(0), true);
    const b = first.body as { totalCount: number; results: unknown[] };
    const rest: Promise<{ body: unknown }>[] = [];
    for (let skip = limit; skip < b.totalCount; skip += limit) rest.push(get(path, q(skip), parse));
    const pages = await Promise.all(rest);
    return parse
      ? [...b.results, ...pages.flatMap((p) => (p.body as { results: unknown[] }).results)]
      : b.results;
  };
  /**
   * v2 listing: pages until one is shorter than the limit. With `x-total-count` known from the first
   * page, the remaining pages (floor(total / limit) of them) go out at once, unparsed.
   */
  const v2 = async (path: string, extra: Record<string, string>, parse: boolean): Promise<unknown[]> => {
    const q = (skip: number) => ({ ...extra, limit: String(limit), skip: String(skip) });
    const first = await get(path, q(0), parse);
    const out = parse ? [...(first.body as unknown[])] : [];
    if (Number.isFinite(first.total)) {
      const rest: Promise<{ body: unknown }>[] = [];
      for (let skip = limit; skip <= first.total; skip += limit) rest.push(get(path, q(skip), parse));
      for (const p of await Promise.all(rest)) if (parse) out.push(...(p.body as unknown[]));
      return out;
    }
    let page = first.body as unknown[];
    for (let skip = limit; page.length >= limit; skip += limit) {
      page = (await get(path, q(skip), true)).body as unknown[];
      if (parse) out.push(...page);
    }
    return out;
  };
  const each = async <T>(items: T[], fn: (item: T) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        while (next < items.length) await fn(items[next++]);
      }),
    );
  };

  const started = performance.now();
  // Wall time of each listing, to set beside the sync's own phases.
  const phasesMs: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      phasesMs[name] = Math.round(performance.now() - t0);
    }
  };
  await timed('users', () => v1('/systemusers', false, { fields: USER_FIELDS }));
  await timed('administrators', () => v1('/users', false));
  const groups = (await timed('groups', () => v2('/v2/usergroups', {}, true))) as { id: string }[];
  await timed('members', () => each(groups, (g) => v2(`/v2/usergroups/${g.id}/members`, {}, false)));
  const apps = (await timed('applications', () => v1('/applications', true))) as {
    _id?: string;
    id?: string;
  }[];
  await timed('bindings', () =>
    each(apps, (a) => v2(`/v2/applications/${a._id ?? a.id}/associations`, { targets: 'user_group' }, false)),
  );
  const wallMs = Math.round(performance.now() - started);
  await pool.close();
  process.stdout.write(
    JSON.stringify({
      ceiling: 'fetch',
      parameters: {
        apiUrl,
        concurrency,
        pageSize: limit,
        auth: 'x-api-key + x-org-id',
        client: 'undici',
        systemUserFields: USER_FIELDS,
      },
      groups: groups.length,
      applications: apps.length,
      calls: pool.calls,
      bytes: pool.bytes,
      wallMs,
      phasesMs,
      // This process's own CPU (user + system), to set beside the emulator's.
      cpuSeconds: Number(((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2)),
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

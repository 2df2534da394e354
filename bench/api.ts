import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  flag,
  freePort,
  peakRssMiB,
  ratio,
  ROOT,
  waitForHttp,
  writeResult,
  spawnServer,
  cpuProfileArgs,
  apiClient,
  cpuMicros,
  postgresCpuMicros,
  postgresCpuSince,
  createBenchConnection,
  syncOnce,
  cleanUp,
  run,
  prepareBench,
} from './lib';

/**
 * `npm run bench:api [-- --users 2000 --groups 200 --memberships-per-user 5 --connections 50 --duration 10 --cpu-prof DIR --keep-db]`
 * The reviewer API under load, through the real server (one process, APP_ROLE=all): after a sync and a
 * campaign launched over every membership (one reviewer, so every item is theirs), autocannon drives
 * `GET /api/v1/reviews`, `GET /api/v1/me` (a small route through the same pipeline) and then single
 * decisions (`POST /api/v1/review-items/{id}/decision`, `keep`, cycling through the reviewer's items) at
 * `connections` connections for `duration` seconds each.
 * In the same run the HTTP ceiling (`bench/ceilings/http.ts`: a bare NestJS + Fastify route doing one
 * `SELECT 1`) takes the same load; GET /reviews is reported as a share of its requests/s. Each load
 * also gives the serving process's and Postgres's CPU per request (from /proc), which other work on the
 * machine disturbs far less than requests/s.
 */
interface Load {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU (user + system) of the serving process per request: steadier than req/s on a shared machine. */
  serverCpuUsPerRequest: number | null;
  /** CPU of Postgres per request: with the server's, what two cores must pay for each request. */
  postgresCpuUsPerRequest: number | null;
}

async function load(
  label: string,
  opts: autocannon.Options,
  connections: number,
  duration: number,
  serverPid?: number,
): Promise<Load> {
  const cpuBefore = cpuMicros(serverPid);
  const pgBefore = postgresCpuMicros();
  const r = await autocannon({ ...opts, connections, duration });
  const cpuAfter = cpuMicros(serverPid);
  const pgUs = postgresCpuSince(pgBefore);
  return {
    label,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    serverCpuUsPerRequest:
      cpuBefore !== null && cpuAfter !== null && r.requests.total > 0
        ? Math.round((cpuAfter - cpuBefore) / r.requests.total)
        : null,
    postgresCpuUsPerRequest: r.requests.total > 0 ? Math.round(pgUs / r.requests.total) : null,
  };
}

async function main(): Promise<void> {
  const users = flag('users', 2000);
  const groups = flag('groups', 200);
  const perUser = flag('memberships-per-user', 5);
  const connections = flag('connections', 50);
  const duration = flag('duration', 10);
  const { databaseUrl, redisUrl, emu, port, token } = await prepareBench('api', {
    users,
    groups,
    membershipsPerUser: perUser,
    admins: 10,
    apps: 10,
  });
  let server: ChildProcess | null = null;
  let ceiling: ChildProcess | null = null;
  const db = new Client({ connectionString: databaseUrl });
  try {
    // Its own Redis database: sync, campaign and expiry use 15, 14 and 13.
    server = spawnServer({
      databaseUrl,
      redisUrl,
      redisDb: 12,
      port,
      token,
      emu,
      nodeArgs: cpuProfileArgs(),
    });
    const api = `http://127.0.0.1:${port}`;
    await waitForHttp(`${api}/health`);
    await db.connect();
    const client = apiClient(port, token);
    const { call, poll } = client;

    const connectionId = await createBenchConnection(call, emu);
    await syncOnce(client, connectionId);
    const p = await call('POST', '/api/v1/principals', { email: 'bench-reviewer@example.com' });
    const t = await call('POST', `/api/v1/principals/${p.id as string}/tokens`, { name: 'bench' });
    const reviewerToken = t.token as string;
    const campaign = await call('POST', '/api/v1/campaigns', {
      connectionId,
      name: 'bench',
      scope: {},
      reviewerStrategy: 'named',
      reviewerIds: [p.id],
      fallbackReviewerIds: [p.id],
      dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      defaultDecision: 'none',
      autoRemediate: false,
    });
    await call('POST', `/api/v1/campaigns/${campaign.id as string}/launch`);
    const active = await poll(`/api/v1/campaigns/${campaign.id as string}`, (r) => r.status === 'active');
    const items = (active.progress as { total: number }).total;
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM review_items WHERE campaign_id = $1 ORDER BY id`,
      [campaign.id],
    );
    const ids = rows.map((r) => r.id);
    const headers = { authorization: `Bearer ${reviewerToken}` };

    // Warm-up, then each load in turn.
    await load('warm-up', { url: `${api}/api/v1/reviews`, headers }, 10, 2);
    const reviews = await load(
      'GET /api/v1/reviews',
      { url: `${api}/api/v1/reviews`, headers },
      connections,
      duration,
      server.pid,
    );
    // The same pipeline (auth, guards, validation, logging) on a small route: what any request costs here.
    const me = await load(
      'GET /api/v1/me (small route, same pipeline)',
      { url: `${api}/api/v1/me`, headers },
      connections,
      duration,
      server.pid,
    );
    let next = 0;
    const decisions = await load(
      'POST /api/v1/review-items/{id}/decision',
      {
        url: api,
        requests: [
          {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/review-items/${ids[next++ % ids.length]}/decision`,
              body: JSON.stringify({ decision: 'keep' }),
            }),
          },
        ],
      },
      connections,
      duration,
      server.pid,
    );
    const serverRssMiB = peakRssMiB(server.pid!);

    // The ceiling, in a process of its own, under the same load.
    const ceilingPort = await freePort();
    ceiling = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/bench/ceilings/http.js'),
        '--database-url',
        databaseUrl,
        '--port',
        String(ceilingPort),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const ceilingInfo = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let buf = '';
      ceiling!.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      });
      ceiling!.once('exit', (code) => reject(new Error(`http ceiling exited with ${code}`)));
    });
    const ceilingUrl = ceilingInfo.url as string;
    await load('warm-up', { url: ceilingUrl }, 10, 2);
    const http = await load(
      'ceiling: bare NestJS + Fastify, SELECT 1',
      { url: ceilingUrl },
      connections,
      duration,
      ceiling.pid,
    );

    const ratios = {
      reviewsToHttpCeiling: ratio(reviews.requestsPerSecond, http.requestsPerSecond),
      decisionsToHttpCeiling: ratio(decisions.requestsPerSecond, http.requestsPerSecond),
      meToHttpCeiling: ratio(me.requestsPerSecond, http.requestsPerSecond),
    };
    const result = {
      benchmark: 'api',
      scale: { users, groups, membershipsPerUser: perUser, reviewItems: items, reviewers: 1 },
      load: { tool: 'autocannon', connections, durationSeconds: duration },
      machine: { cpus: cpus().length, node: process.version },
      runs: [reviews, me, decisions, http],
      ceilings: { http: { ...ceilingInfo, result: http } },
      ratios,
      targets: { reviewsToHttpCeiling: 0.5, reviewsP99Ms: 50 },
      peakServerRssMiB: serverRssMiB,
    };
    const md = [
      `| load (${connections} connections, ${duration} s) | req/s | p50 ms | p99 ms | non-2xx | errors | server CPU µs/req | Postgres CPU µs/req |`,
      `|---|---|---|---|---|---|---|---|`,
      ...[reviews, me, decisions, http].map(
        (r) =>
          `| ${r.label} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.errors} | ${r.serverCpuUsPerRequest ?? 'n/a'} | ${r.postgresCpuUsPerRequest ?? 'n/a'} |`,
      ),
      ``,
      `| ratio | measured | target |`,
      `|---|---|---|`,
      `| GET /reviews / HTTP ceiling (req/s) | ${ratios.reviewsToHttpCeiling} | ≥ 0.5 (p99 < 50 ms) |`,
      `| single decision / HTTP ceiling (req/s) | ${ratios.decisionsToHttpCeiling} | |`,
      `| GET /me / HTTP ceiling (req/s) | ${ratios.meToHttpCeiling} | |`,
    ].join('\n');
    console.log(`\napi benchmark: ${items} review items, one reviewer\n\n${md}\n`);
    console.log(`result: ${writeResult('api', result, md)}`);
    if ([reviews, me, decisions].some((r) => r.non2xx + r.errors > 0)) {
      console.error('FAILED: some requests were refused or failed');
      process.exitCode = 1;
    }
  } finally {
    await db.end().catch(() => undefined);
    // --keep-db leaves the database for EXPLAIN and friends (its URL is printed).
    await cleanUp({
      processes: [ceiling, server, emu.child],
      databaseUrl,
      keepDatabase: process.argv.includes('--keep-db'),
    });
  }
}

run(main);

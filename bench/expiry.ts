import { type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import Redis from 'ioredis';
import { Client } from 'pg';
import {
  cpuProfileArgs,
  flag,
  freePort,
  freshDatabase,
  randomToken,
  servicesEnv,
  spawnServer,
  startEmulatorProcess,
  waitForHttp,
  writeResult,
  apiClient,
  createBenchConnection,
  syncOnce,
  cleanUp,
  cpuMicros,
  postgresCpuMicros,
  postgresCpuSince,
  run,
  LIMIT_OFF_MAX_CONCURRENT,
  emulatorLogMark,
  emulatorRequests,
  membershipWritesPerUser,
} from './lib';
import { type BurstResult, runBurst } from './expiry-burst';
import { type ExpiryRates, expiryRates } from './expiry-rates';
import { claimBenchRedisDb } from './expiry-redis';

/**
 * `npm run bench:expiry [-- --grants 10000 --burst 1000 --cpu-prof DIR --limit-off-only]`
 * Grants of one minute for `grants` accounts, all activated within the same minute, expire through the
 * real server (APP_ROLE=all: delayed `grant-expiry` jobs, the sweep, the outbox, the worker).
 *
 * 0. The burst (expiry-burst.ts; `--burst 0` skips it): `burst` auto-approved requests at once through the
 *    REST API, request → grant `active` p50/p99, exactly one membership read and one write per grant,
 *    beside the bare ceiling of the same calls straight to the emulator.
 * 1. With the JumpCloud client's rate limit off: lateness of each remove call (the remove operation's
 *    completion minus the grant's `expiresAt`: p50, p99, max) and JumpCloud calls per grant.
 * 2. A second batch activated the same way; the server is restarted with the default per-connection
 *    limit before they expire: the time from the first expiry until the last member is removed.
 *
 * Seeding writes what approvals write (an approved request, a `provisioning` grant and its
 * `add_member` operation per account) straight into Postgres, so 2 × `grants` HTTP round trips are not
 * what is measured; the outbox relay picks the operations up and everything after that is the server's.
 */
interface Lateness {
  grants: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  removeCallsPerGrant: number;
  drainMs: number;
  /** Stage 3 as a queue: removals written per second against removals the worker started per second. */
  rates: ExpiryRates;
  /** CPU seconds of each side from the seeding to the last expiry, the wall time, the load average. */
  cpu?: {
    serverSeconds: number;
    emulatorSeconds: number;
    postgresSeconds: number;
    wallSeconds: number;
    loadAverage: { before: number[]; after: number[] };
  };
}

async function main(): Promise<void> {
  const grants = flag('grants', 10_000);
  const burst = flag('burst', 1_000);
  const users = grants + Math.ceil(grants / 2) + burst + 100;
  const { databaseUrl: base, redisUrl } = servicesEnv();
  const databaseUrl = await freshDatabase(base, 'expiry');
  const emu = await startEmulatorProcess([
    '--port',
    String(await freePort()),
    '--seed',
    '3',
    '--users',
    String(users),
    '--groups',
    '20',
    '--memberships-per-user',
    '1',
    '--admins',
    '5',
    '--apps',
    '2',
  ]);
  const port = await freePort();
  const token = randomToken();
  const db = new Client({ connectionString: databaseUrl });
  let server: ChildProcess | null = null;
  // Read through a function: TypeScript does not see the assignments inside startServer.
  const serverPid = (): number | undefined => server?.pid;
  const startServer = async (limitOff: boolean) => {
    // Its own Redis database: the sync and campaign benchmarks use 15 and 14, and queues must not be shared.
    server = spawnServer({
      databaseUrl,
      redisUrl,
      redisDb: 13,
      port,
      token,
      emu,
      clientLimitOff: limitOff,
      nodeArgs: cpuProfileArgs(),
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`);
  };
  const stopServer = async () => {
    const s = server;
    if (!s || s.exitCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGTERM');
    await exited;
  };
  const client = apiClient(port, token);
  const { call } = client;
  /**
   * JumpCloud removal calls each grant of the group cost, from the emulator's log since `since`:
   * exactly one each, else the run fails loudly. Returns the mean (1).
   */
  const removalCallsPerGrant = async (groupId: string, since: number): Promise<number> => {
    const { rows } = await db.query<{ user_ext: string; group_ext: string }>(
      `SELECT a.external_id AS user_ext, gr.external_id AS group_ext FROM access_grants g
       JOIN directory_accounts a ON a.id = g.account_id JOIN directory_groups gr ON gr.id = g.group_id
       WHERE g.group_id = $1`,
      [groupId],
    );
    const per = membershipWritesPerUser(await emulatorRequests(emu, since), 'remove', rows[0].group_ext);
    const counts = rows.map((r) => per.get(r.user_ext) ?? 0);
    const [min, max] = [Math.min(...counts), Math.max(...counts)];
    console.log(`  removal calls per grant: ${min}–${max}`);
    if (min !== 1 || max !== 1) {
      throw new Error(`every expired grant must cost exactly one removal call; got ${min}–${max}`);
    }
    return counts.reduce((a, b) => a + b, 0) / counts.length;
  };
  const waitFor = async (label: string, sql: string, params: unknown[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query<{ done: boolean; detail: string }>(sql, params);
      if (rows[0].done) return;
      if (Date.now() > deadline) throw new Error(`${label}: ${rows[0].detail}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  // Jobs a killed earlier run left in this Redis database would run against this run's database.
  await claimBenchRedisDb(redisUrl, 13);
  const redis = new Redis(`${redisUrl.replace(/\/\d+$/, '')}/13`);
  await redis.flushdb();
  await redis.quit();
  try {
    await startServer(true);
    await db.connect();
    const connectionId = await createBenchConnection(call, emu);
    await syncOnce(client, connectionId);
    const { rows: groups } = await db.query<{ id: string }>(
      `SELECT g.id FROM directory_groups g WHERE g.connection_id = $1 AND g.membership_method <> 'DYNAMIC_AUTOMATED'
       ORDER BY (SELECT count(*) FROM directory_memberships m WHERE m.group_id = g.id AND m.removed_at IS NULL), g.id
       LIMIT 4`,
      [connectionId],
    );
    if (groups.length < 4) throw new Error('the emulated organisation needs four static groups');
    const { rows: admins } = await db.query<{ id: string }>(`SELECT id FROM principals WHERE is_bootstrap`);

    /** Writes what `grants` approvals write, then waits until every grant is active. */
    const seed = async (groupId: string): Promise<void> => {
      await db.query('BEGIN');
      await db.query(
        `CREATE TEMP TABLE seed ON COMMIT DROP AS
         SELECT a.id AS account_id, gen_random_uuid() AS request_id, gen_random_uuid() AS grant_id
         FROM directory_accounts a
         WHERE a.connection_id = $1 AND a.kind = 'user' AND a.removed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM directory_memberships m WHERE m.group_id = $2 AND m.account_id = a.id
                           AND m.removed_at IS NULL)
         ORDER BY a.external_id LIMIT $3`,
        [connectionId, groupId, grants],
      );
      const { rows: seeded } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM seed`);
      if (seeded[0].n !== grants) throw new Error(`only ${seeded[0].n} accounts outside the group`);
      await db.query(
        `INSERT INTO access_grants (id, request_id, connection_id, account_id, group_id, duration_minutes)
         SELECT grant_id, request_id, $1, account_id, $2, 1 FROM seed`,
        [connectionId, groupId],
      );
      await db.query(
        `INSERT INTO access_requests (id, connection_id, group_id, account_id, requester_id, duration_minutes, status,
           grant_id, decided_at, expires_at)
         SELECT request_id, $1, $2, account_id, $3, 1, 'approved', grant_id, now(), now() + interval '72 hours' FROM seed`,
        [connectionId, groupId, admins[0].id],
      );
      await db.query(
        `INSERT INTO provisioning_operations (connection_id, action, account_id, group_id, reason, source_type, source_id,
           idempotency_key, created_at)
         SELECT $1, 'add_member', account_id, $2::uuid, 'bench grant', 'grant', grant_id,
                'grant.' || grant_id || '.add_member.' || account_id || '.' || $2::text, now() - interval '5 seconds'
         FROM seed`,
        [connectionId, groupId],
      );
      await db.query('COMMIT');
      // Every grant activated once (starts_at set): on a loaded machine the first may expire before the
      // last is active, so waiting for all of them active at once could wait forever.
      await waitFor(
        'activation',
        `SELECT count(*) FILTER (WHERE starts_at IS NOT NULL) = $2::int AS done,
                count(*) FILTER (WHERE starts_at IS NOT NULL) || ' of ' || $2::text || ' activated' AS detail
         FROM access_grants WHERE group_id = $1`,
        [groupId, grants],
        600_000,
      );
    };

    const measure = async (groupId: string): Promise<Lateness> => {
      await waitFor(
        'expiry',
        `SELECT count(*) FILTER (WHERE status = 'ended') = $2::int AS done,
                count(*) FILTER (WHERE status = 'ended') || ' of ' || $2::text || ' ended' AS detail
         FROM access_grants WHERE group_id = $1`,
        [groupId, grants],
        1_800_000,
      );
      const { rows } = await db.query<{
        p50: number;
        p95: number;
        p99: number;
        max: number;
        drain: number;
        spread: number;
      }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY l) AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY l) AS p99,
                max(l) AS max, extract(epoch FROM max(o.completed_at) - min(g.expires_at)) * 1000 AS drain,
                extract(epoch FROM max(g.expires_at) - min(g.expires_at)) * 1000 AS spread
         FROM access_grants g
         JOIN provisioning_operations o ON o.source_id = g.id AND o.action = 'remove_member',
         LATERAL (SELECT extract(epoch FROM o.completed_at - g.expires_at) * 1000 AS l) x
         WHERE g.group_id = $1`,
        [groupId],
      );
      const r = rows[0];
      console.log(`  expiries spread over ${Math.round(r.spread / 1000)} s`);
      // Where the lateness goes: expiry → the revoking transaction (the expiry job or the sweep), → its
      // commit (the audit event's moment), → picked up by the provisioning worker, → JumpCloud call
      // done and the operation settled, → grant ended.
      const { rows: stages } = await db.query<{
        stage: string;
        p50: number;
        p95: number;
        p99: number;
        max: number;
      }>(
        `SELECT stage, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)) AS p50,
                round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)) AS p95,
                round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)) AS p99, round(max(ms)) AS max
         FROM access_grants g
         JOIN provisioning_operations o ON o.source_id = g.id AND o.action = 'remove_member'
         JOIN audit_events a ON a.target_id = g.id::text AND a.action = 'access.grant.expired',
         LATERAL (VALUES ('1 expiry → revoking transaction began (job or sweep picked it up)', o.created_at - g.expires_at),
                         ('2 → committed (its audit append, under the lock)', a.at - o.created_at),
                         ('3 → provisioning worker started (dispatch, queue, reads)', o.started_at - a.at),
                         ('4 → call done, settled', o.completed_at - o.started_at),
                         ('5 → grant ended', g.updated_at - o.completed_at)) AS s(stage, d),
         LATERAL (SELECT extract(epoch FROM d) * 1000 AS ms) x
         WHERE g.group_id = $1 GROUP BY stage ORDER BY stage`,
        [groupId],
      );
      for (const s of stages) {
        console.log(`  ${s.stage}: p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms, max ${s.max} ms`);
      }
      const rates = await expiryRates(db, groupId);
      const served = rates.servedWhileBacklogged;
      console.log(
        `  stage 3 as a queue: ${rates.arrivals.meanPerSecond}/s written (busiest second ${rates.arrivals.peakPerSecond}); ` +
          (served
            ? `started ${served.perSecond}/s over the ${served.seconds} s that began with ≥ ${rates.backlogAtLeast} waiting`
            : `never ${rates.backlogAtLeast} waiting at a second's start`) +
          `; longest queue ${rates.maxBacklog}`,
      );
      return {
        grants,
        p50Ms: Math.round(r.p50),
        p95Ms: Math.round(r.p95),
        p99Ms: Math.round(r.p99),
        maxMs: Math.round(r.max),
        removeCallsPerGrant: 0,
        drainMs: Math.round(r.drain),
        rates,
      };
    };

    // 0. The burst, rate limit off; its grants last an hour, past the end of the run.
    let burstResult: BurstResult | null = null;
    if (burst > 0) {
      burstResult = await runBurst({
        call,
        port,
        db,
        emu,
        connectionId,
        groupId: groups[2].id,
        ceilingGroupId: groups[3].id,
        size: burst,
        concurrency: LIMIT_OFF_MAX_CONCURRENT,
      });
      console.log(`burst: ${JSON.stringify(burstResult)}`);
    }

    // 1. Rate limit off.
    console.log(`seeding ${grants} one-minute grants (rate limit off)`);
    // Adds, the reads before them and removals: all kept in the emulator's log.
    const since1 = await emulatorLogMark(emu, 4 * grants + 10_000);
    const cpu0 = {
      server: cpuMicros(serverPid()),
      emulator: cpuMicros(emu.child.pid),
      pg: postgresCpuMicros(),
    };
    const load0 = loadavg();
    const wall0 = Date.now();
    await seed(groups[0].id);
    const unlimited = await measure(groups[0].id);
    // What the adds and removals cost the machine, beside what the run had of it: on 2 shared cores,
    // a CPU floor (the three sides' CPU seconds over 2) far under the wall time means the run mostly
    // waited for CPU that other processes held (the load average says how many competed).
    const used = (now: number | null, before: number | null) =>
      now === null || before === null ? NaN : (now - before) / 1e6;
    unlimited.cpu = {
      serverSeconds: used(cpuMicros(serverPid()), cpu0.server),
      emulatorSeconds: used(cpuMicros(emu.child.pid), cpu0.emulator),
      postgresSeconds: postgresCpuSince(cpu0.pg) / 1e6,
      wallSeconds: (Date.now() - wall0) / 1000,
      loadAverage: {
        before: load0.map((l) => Number(l.toFixed(2))),
        after: loadavg().map((l) => Number(l.toFixed(2))),
      },
    };
    const c = unlimited.cpu;
    console.log(
      `  CPU (seed + expiry): server ${c.serverSeconds.toFixed(1)} s, emulator ${c.emulatorSeconds.toFixed(1)} s, Postgres ${c.postgresSeconds.toFixed(1)} s; floor ${((c.serverSeconds + c.emulatorSeconds + c.postgresSeconds) / 2).toFixed(1)} s of ${c.wallSeconds.toFixed(1)} s wall; load average ${c.loadAverage.before.join('/')} → ${c.loadAverage.after.join('/')}`,
    );
    unlimited.removeCallsPerGrant = await removalCallsPerGrant(groups[0].id, since1);

    // 2. Activated with the limit off, expired at the default per-connection limit (minutes long:
    // --limit-off-only skips it when profiling the first part).
    let limited: Lateness | null = null;
    if (!process.argv.includes('--limit-off-only')) {
      console.log(`seeding ${grants} more; they expire after a restart at the default limit`);
      const since2 = await emulatorLogMark(emu, 4 * grants + 10_000);
      await seed(groups[1].id);
      await stopServer();
      await startServer(false);
      limited = await measure(groups[1].id);
      limited.removeCallsPerGrant = await removalCallsPerGrant(groups[1].id, since2);
    }

    const result = {
      benchmark: 'expiry',
      machine: { cpus: cpus().length, node: process.version },
      grants,
      burst: burstResult,
      rateLimitOff: unlimited,
      defaultLimit: limited && { ...limited, requestsPerSecond: null, maxConcurrent: 8 },
    };
    const md = [
      `| run | grants | remove lateness p50 ms | p95 ms | p99 ms | max ms | calls per grant | drain s (first expiry → last removal) |`,
      `|---|---|---|---|---|---|---|---|`,
      `| rate limit off | ${grants} | ${unlimited.p50Ms} | ${unlimited.p95Ms} | ${unlimited.p99Ms} | ${unlimited.maxMs} | ${unlimited.removeCallsPerGrant.toFixed(2)} | ${(unlimited.drainMs / 1000).toFixed(1)} |`,
      limited
        ? `| default limit (8 in flight, no requests/s cap) | ${grants} | ${limited.p50Ms} | ${limited.p95Ms} | ${limited.p99Ms} | ${limited.maxMs} | ${limited.removeCallsPerGrant.toFixed(2)} | ${(limited.drainMs / 1000).toFixed(1)} |`
        : `| default limit | skipped (--limit-off-only) | | | | | | |`,
    ].join('\n');
    const b = burstResult;
    const burstMd = b
      ? [
          `| burst | requests | request → active p50 ms | p99 ms | max ms | wall s | reads / writes per grant | ceiling (read + add, ${b.ceiling.concurrency} in flight) | wall / ceiling |`,
          `|---|---|---|---|---|---|---|---|---|`,
          `| auto-approved, rate limit off | ${b.requests} | ${b.p50Ms} | ${b.p99Ms} | ${b.maxMs} | ${(b.wallMs / 1000).toFixed(1)} | ${b.membershipReadsPerGrant.max} / ${b.membershipWritesPerGrant.max} | p50 ${b.ceiling.p50Ms} ms, p99 ${b.ceiling.p99Ms} ms, wall ${(b.ceiling.wallMs / 1000).toFixed(1)} s | ${b.wallToCeilingRatio} |`,
        ].join('\n')
      : 'burst skipped (--burst 0)';
    console.log(`\nexpiry benchmark\n\n${burstMd}\n\n${md}\n`);
    console.log(`result: ${writeResult('expiry', result, `${burstMd}\n\n${md}`)}`);
  } finally {
    await stopServer().catch(() => undefined);
    await db.end().catch(() => undefined);
    await cleanUp({ processes: [emu.child], databaseUrl });
  }
}

run(main);

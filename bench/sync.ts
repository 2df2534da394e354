import { type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { cpus } from 'node:os';
import {
  flag,
  peakRssMiB,
  ratio,
  runCeiling,
  waitForHttp,
  writeResult,
  spawnServer,
  cpuProfileArgs,
  cpuMicros,
  postgresCpuMicros,
  postgresCpuSince,
  apiClient,
  createBenchConnection,
  syncOnce,
  cleanUp,
  run,
  prepareBench,
} from './lib';
import { incrementalTable, measureIncremental } from './sync-incremental';
import { latencyMarkdown, latencyPasses, runFetchCeiling } from './sync-latency';
import { type SyncStats } from '../src/directory/sync/directory-sync.engine';
import { CLOCK_SKEW_MS } from '../src/directory/sync/sync-mode.policy';

/**
 * `npm run bench:sync [-- --scale 1 | --users 100000 --groups 10000 --memberships-per-user 10] [--churn-percent 1] [--latency 0] [--cpu-prof DIR]`
 * Full sync of an emulated organisation through the real server (one process, APP_ROLE=all, API.md's
 * default JumpCloud limits: 8 in flight, no requests/s cap), then a re-sync with a share of memberships
 * changed, then one with nothing changed (these three full), then an incremental sync after 100
 * membership changes in 50 groups (bench/sync-incremental.ts; `--incremental-changes N`,
 * `--incremental-groups N`). Then, unless `--latency 0`, the passes at 50–150 ms a call
 * (bench/sync-latency.ts). Fails when the server's peak RSS passes 512 MiB or when an unchanged re-sync
 * writes anything, or when the incremental run is not incremental or writes other rows than the
 * changed ones. `--scale` multiplies the default users and groups (0.1: 100,000 memberships).
 */
const RSS_LIMIT_MIB = 512;

async function main(): Promise<void> {
  const scale = flag('scale', 1);
  const users = flag('users', Math.round(100_000 * scale));
  const groups = flag('groups', Math.max(1, Math.round(10_000 * scale)));
  const perUser = flag('memberships-per-user', 10);
  const churnPercent = flag('churn-percent', 1);
  const { databaseUrl, redisUrl, emu, port, token } = await prepareBench('sync', {
    users,
    groups,
    membershipsPerUser: perUser,
    admins: 50,
    apps: 50,
  });
  let server: ChildProcess | null = null;
  try {
    server = spawnServer({
      databaseUrl,
      redisUrl,
      redisDb: 15,
      port,
      token,
      emu,
      // The server's own defaults (8 in flight, no cap): the same concurrency as the fetch ceilings.
      clientLimitOff: false,
      nodeArgs: cpuProfileArgs(),
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`);
    const client = apiClient(port, token);
    const connectionId = await createBenchConnection(client.call, emu);
    // CPU seconds each side used over a stretch: on two cores the emulator, the server and Postgres
    // share the machine, so a run cannot be shorter than their sum over two.
    const cpuOf = () => ({
      server: cpuMicros(server!.pid) ?? 0,
      emulator: cpuMicros(emu.child.pid) ?? 0,
      postgres: postgresCpuMicros(),
    });
    const cpuSince = (before: ReturnType<typeof cpuOf>) => {
      const sec = (us: number) => Number((us / 1e6).toFixed(2));
      return {
        server: sec((cpuMicros(server!.pid) ?? 0) - before.server),
        emulator: sec((cpuMicros(emu.child.pid) ?? 0) - before.emulator),
        postgres: sec(postgresCpuSince(before.postgres)),
      };
    };
    // Full syncs unless said otherwise: the server's default (auto) would run re-syncs incrementally.
    const sync = async (label: string, mode: 'full' | 'incremental' = 'full') => {
      const started = Date.now();
      const cpuBefore = cpuOf();
      const r = await syncOnce(client, connectionId, mode).catch((err: Error) => {
        throw new Error(`${label}: ${err.message}`);
      });
      const wallMs = Date.now() - started;
      const cpuSeconds = cpuSince(cpuBefore);
      const stats = r.stats as SyncStats;
      // Phase timings the server keeps with the run (not part of the API's run shape).
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      // And the server's own span of the run: queued (the POST) to finished, without the client's polling.
      const [{ timings, server_ms: serverMs }] = (
        await db.query<{ timings: Record<string, number>; server_ms: number }>(
          `SELECT stats->'timingsMs' AS timings,
                  round(extract(epoch FROM finished_at - created_at) * 1000)::int AS server_ms
           FROM directory_sync_runs WHERE id = $1`,
          [r.id],
        )
      ).rows;
      await db.end();
      const rows = stats.users + stats.admins + stats.groups + stats.memberships + stats.applications;
      return {
        label,
        wallMs,
        serverMs,
        rowsPerSecond: Math.round((rows / wallMs) * 1000),
        stats,
        timingsMs: timings,
        cpuSeconds,
        peakRssMiB: peakRssMiB(server!.pid!),
      };
    };
    const full = await sync('full sync');
    const fullRows =
      full.stats.users +
      full.stats.admins +
      full.stats.groups +
      full.stats.memberships +
      full.stats.applications;
    // The ceilings, bare scripts in processes of their own, on the same emulated data while the server idles.
    const emulatorCpuBefore = cpuMicros(emu.child.pid) ?? 0;
    const fetchCeiling = await runFetchCeiling<{ wallMs: number; calls: number; cpuSeconds: number }>(emu, 8);
    const fetchCeilingCpu = {
      fetcher: fetchCeiling.cpuSeconds,
      emulator: Number((((cpuMicros(emu.child.pid) ?? 0) - emulatorCpuBefore) / 1e6).toFixed(2)),
    };
    const ingestCeiling = await runCeiling<{ wallMs: number }>('ingest', [
      '--database-url',
      databaseUrl,
      '--rows',
      String(fullRows),
    ]);
    const churned = await fetch(`${emu.url}/__emulator/churn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: Math.round((full.stats.memberships * churnPercent) / 100) }),
    });
    if (!churned.ok) throw new Error(`churn: ${churned.status}`);
    // What the 1% re-sync must write: the churn's net membership changes (a pair added and removed again is none).
    const churn = (await churned.json()) as Record<
      'added' | 'removed',
      { groupId: string; userId: string }[]
    >;
    const key = (p: { groupId: string; userId: string }) => `${p.groupId}:${p.userId}`;
    const addedKeys = new Set(churn.added.map(key));
    const removedKeys = new Set(churn.removed.map(key));
    const netChanges =
      [...addedKeys].filter((k) => !removedKeys.has(k)).length +
      [...removedKeys].filter((k) => !addedKeys.has(k)).length;
    const changed = await sync(`re-sync, ${churnPercent}% memberships changed`);
    // The full sync the incremental run follows starts more than the clock-skew margin after the
    // churn (as a scheduled one would): the incremental run then reads only its own 100 changes.
    await new Promise((r) => setTimeout(r, CLOCK_SKEW_MS + 1000));
    const unchanged = await sync('re-sync, nothing changed');
    const incremental = await measureIncremental({
      emulatorUrl: emu.url,
      sync,
      // A full sync of the same organisation, the one the incremental run replaces.
      reference: unchanged,
      changes: flag('incremental-changes', 100),
      groups: flag('incremental-groups', 50),
    });
    const runs = [full, changed, unchanged];
    const latency = flag('latency', 1)
      ? await latencyPasses({ client, emu, databaseUrl, concurrency: 8 })
      : null;
    const ratios = {
      fullSyncToFetchPlusIngest: ratio(full.wallMs, fetchCeiling.wallMs + ingestCeiling.wallMs),
      changedResyncToFetch: ratio(changed.wallMs, fetchCeiling.wallMs),
      unchangedResyncToFetch: ratio(unchanged.wallMs, fetchCeiling.wallMs),
    };
    const result = {
      benchmark: 'sync',
      scale: { users, groups, membershipsPerUser: perUser, admins: 50, apps: 50, churnPercent },
      machine: { cpus: cpus().length, node: process.version },
      emulatorStartedInMs: emu.startedInMs,
      runs,
      ceilings: { fetch: { ...fetchCeiling, cpuSeconds: fetchCeilingCpu }, ingest: ingestCeiling },
      churn: { requested: Math.round((full.stats.memberships * churnPercent) / 100), netChanges },
      ratios,
      incremental,
      targets: { fullSyncToFetchPlusIngest: 1.5, changedResyncToFetch: 1.2 },
      limits: { rssMiB: RSS_LIMIT_MIB },
      latency,
    };
    const md = [
      `| run | wall s | rows/s | API calls | added | removed | updated | peak RSS MiB |`,
      `|---|---|---|---|---|---|---|---|`,
      ...runs.map(
        (r) =>
          `| ${r.label} | ${(r.wallMs / 1000).toFixed(1)} | ${r.rowsPerSecond} | ${r.stats.apiCalls} | ${r.stats.added} | ${r.stats.removed} | ${r.stats.updated} | ${r.peakRssMiB} |`,
      ),
      `| ceiling: bare fetch (8 in flight, 100 a page) | ${(fetchCeiling.wallMs / 1000).toFixed(1)} | | ${fetchCeiling.calls} | | | | |`,
      `| ceiling: bare COPY of ${fullRows} rows (unlogged) | ${(ingestCeiling.wallMs / 1000).toFixed(1)} | ${Math.round((fullRows / Math.max(ingestCeiling.wallMs, 1)) * 1000)} | | | | | |`,
      ``,
      `| ratio | measured | target |`,
      `|---|---|---|`,
      `| full sync / (fetch + ingest) | ${ratios.fullSyncToFetchPlusIngest} | ≤ 1.5 |`,
      `| ${churnPercent}% re-sync / fetch (wrote ${changed.stats.added + changed.stats.removed + changed.stats.updated} rows for ${netChanges} changed memberships) | ${ratios.changedResyncToFetch} | ≤ 1.2 |`,
      `| unchanged re-sync / fetch | ${ratios.unchangedResyncToFetch} | |`,
      ``,
      `| CPU seconds (2 cores: a run takes at least their sum / 2) | server or fetcher | emulator | Postgres | sum / 2 |`,
      `|---|---|---|---|---|`,
      ...runs.map(
        (r) =>
          `| ${r.label} | ${r.cpuSeconds.server} | ${r.cpuSeconds.emulator} | ${r.cpuSeconds.postgres} | ${((r.cpuSeconds.server + r.cpuSeconds.emulator + r.cpuSeconds.postgres) / 2).toFixed(2)} |`,
      ),
      `| ceiling: bare fetch | ${fetchCeilingCpu.fetcher} | ${fetchCeilingCpu.emulator} | | ${((fetchCeilingCpu.fetcher + fetchCeilingCpu.emulator) / 2).toFixed(2)} |`,
      ``,
      ...incrementalTable(incremental),
      ``,
      `| phase (ms) | ${[...runs, incremental.run].map((r) => r.label).join(' | ')} |`,
      `|---|${[...runs, incremental.run].map(() => '---').join('|')}|`,
      ...[...new Set([...runs, incremental.run].flatMap((r) => Object.keys(r.timingsMs ?? {})))].map(
        (phase) =>
          `| ${phase} | ${[...runs, incremental.run].map((r) => r.timingsMs?.[phase] ?? '').join(' | ')} |`,
      ),
      ...(latency ? ['', latencyMarkdown(latency)] : []),
    ].join('\n');
    console.log(
      `\nsync benchmark: ${users} users, ${groups} groups, ${full.stats.memberships} memberships\n\n${md}\n`,
    );
    console.log(`result: ${writeResult('sync', result, md)}`);
    const problems: string[] = [];
    if (Math.max(...runs.map((r) => r.peakRssMiB)) > RSS_LIMIT_MIB)
      problems.push(`peak RSS above ${RSS_LIMIT_MIB} MiB`);
    const changedWrites = changed.stats.added + changed.stats.removed + changed.stats.updated;
    if (changedWrites !== netChanges) {
      problems.push(
        `the ${churnPercent}% re-sync wrote ${changedWrites} rows for ${netChanges} changed memberships`,
      );
    }
    if (unchanged.stats.added + unchanged.stats.removed + unchanged.stats.updated !== 0) {
      problems.push('an unchanged re-sync wrote rows');
    }
    problems.push(...incremental.problems, ...(latency?.incremental.problems ?? []));
    if (problems.length) {
      console.error(`FAILED: ${problems.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanUp({ processes: [server, emu.child], databaseUrl });
  }
}

run(main);

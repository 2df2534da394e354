import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { flag, ROOT, run, writeResult } from './lib';
import { type BurstResult } from './expiry-burst';

/**
 * `npm run bench [-- --scale 1] [--users N --groups N --memberships-per-user N --decisions N --grants N]`
 * bench:sync, bench:campaign, bench:expiry, bench:api and bench:logger in sequence, each in a process of its own,
 * then one summary (JSON + Markdown, in bench/results/ and on stdout) of every figure with its ratio to
 * the ceiling measured in the same run. `--scale` multiplies the defaults (100,000 users, 10,000 groups,
 * 10 memberships a user = 1,000,000 memberships, 100,000 decisions, 10,000 grants); the size flags
 * override it. `--only sync,api` runs a subset.
 */
interface Ran {
  exitCode: number | null;
  resultFile: string;
}
interface SyncRun {
  wallMs: number;
  rowsPerSecond: number;
  peakRssMiB: number;
  cpuSeconds: { server: number; emulator: number; postgres: number };
  stats: { memberships: number; apiCalls: number; added: number; removed: number; updated: number };
}
interface SyncResult extends Ran {
  scale: { churnPercent: number };
  runs: SyncRun[];
  ceilings: { fetch: { wallMs: number }; ingest: { wallMs: number } };
  ratios: { fullSyncToFetchPlusIngest: number; changedResyncToFetch: number; unchangedResyncToFetch: number };
  churn: { requested: number; netChanges: number };
}
interface CampaignResult extends Ran {
  launch: { items: number; wallMs: number; itemsPerSecond: number };
  bareInsertSelect: { wallMs: number };
  launchToBareRatio: number;
  decisions: { applied: number; wallMs: number; decisionsPerSecond: number };
}
interface Lateness {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  removeCallsPerGrant: number;
  drainMs: number;
}
interface ExpiryResult extends Ran {
  grants: number;
  burst: BurstResult | null;
  rateLimitOff: Lateness;
  defaultLimit: Lateness & { requestsPerSecond: number | null; maxConcurrent: number };
}
interface LoadRun {
  label: string;
  requestsPerSecond: number;
  serverCpuUsPerRequest: number | null;
  postgresCpuUsPerRequest: number | null;
  p50Ms: number;
  p99Ms: number;
}
interface LoggerResult extends Ran {
  targetMs: number;
  worstCpuMsPerLine: number;
  worstP99Ms: number;
  rows: { shape: string; p99Ms: number; previousMs: number }[];
}
interface ApiResult extends Ran {
  load: { connections: number; durationSeconds: number };
  runs: LoadRun[];
  ratios: { reviewsToHttpCeiling: number; decisionsToHttpCeiling: number; meToHttpCeiling: number };
}

function runScript<T extends Ran>(name: string, args: string[]): Promise<T | null> {
  return new Promise((resolve) => {
    console.log(`\n=== bench:${name} ${args.join(' ')}`);
    const child = spawn(process.execPath, [join(ROOT, 'dist/bench', `${name}.js`), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.once('exit', (code) => {
      const m = /^result: (.+\.json)$/m.exec(out);
      if (!m) {
        console.error(`bench:${name} exited with ${code} and no result`);
        return resolve(null);
      }
      const result = JSON.parse(readFileSync(m[1], 'utf8')) as T;
      resolve({ ...result, exitCode: code, resultFile: m[1] });
    });
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ok = (pass: boolean) => (pass ? 'yes' : '**no**');

async function main(): Promise<void> {
  const scale = flag('scale', 1);
  const users = flag('users', Math.round(100_000 * scale));
  const groups = flag('groups', Math.max(1, Math.round(10_000 * scale)));
  const perUser = flag('memberships-per-user', 10);
  const decisions = flag('decisions', Math.round(100_000 * scale));
  const grants = flag('grants', Math.max(10, Math.round(10_000 * scale)));
  const i = process.argv.indexOf('--only');
  const only = i >= 0 ? process.argv[i + 1].split(',') : ['sync', 'campaign', 'expiry', 'api', 'logger'];
  const size = [
    '--users',
    String(users),
    '--groups',
    String(groups),
    '--memberships-per-user',
    String(perUser),
  ];
  const started = Date.now();
  const results: {
    sync?: SyncResult | null;
    campaign?: CampaignResult | null;
    expiry?: ExpiryResult | null;
    api?: ApiResult | null;
    logger?: LoggerResult | null;
  } = {};
  if (only.includes('sync')) results.sync = await runScript<SyncResult>('sync', size);
  if (only.includes('campaign'))
    results.campaign = await runScript<CampaignResult>('campaign', [
      ...size,
      '--decisions',
      String(decisions),
    ]);
  if (only.includes('expiry'))
    results.expiry = await runScript<ExpiryResult>('expiry', ['--grants', String(grants)]);
  if (only.includes('api')) results.api = await runScript<ApiResult>('api', []);
  if (only.includes('logger')) results.logger = await runScript<LoggerResult>('logger', []);

  const rows: string[] = [];
  const { sync, campaign, expiry, api, logger } = results;
  if (sync) {
    const [full, changed, unchanged] = sync.runs;
    const fetchMs = sync.ceilings.fetch.wallMs;
    const ingestMs = sync.ceilings.ingest.wallMs;
    // What the run needs from two cores (server + emulator + Postgres CPU, over 2): no run is shorter.
    const floor = (r: SyncRun) =>
      `; CPU floor ${((r.cpuSeconds.server + r.cpuSeconds.emulator + r.cpuSeconds.postgres) / 2).toFixed(1)} s`;
    rows.push(
      `| full sync (${full.stats.memberships} memberships) | ${s(full.wallMs)}, ${full.rowsPerSecond} rows/s, ${full.stats.apiCalls} API calls, peak RSS ${full.peakRssMiB} MiB${floor(full)} | fetch ${s(fetchMs)} + COPY ${s(ingestMs)} | ${sync.ratios.fullSyncToFetchPlusIngest} | ≤ 1.5; RSS < 512 MiB | ${ok(sync.ratios.fullSyncToFetchPlusIngest <= 1.5 && full.peakRssMiB < 512)} |`,
      `| re-sync, ${sync.scale.churnPercent}% changed | ${s(changed.wallMs)}, ${changed.stats.added + changed.stats.removed + changed.stats.updated} rows written for ${sync.churn.netChanges} changed memberships${floor(changed)} | fetch ${s(fetchMs)} | ${sync.ratios.changedResyncToFetch} | ≤ 1.2; only the changed rows | ${ok(sync.ratios.changedResyncToFetch <= 1.2 && changed.stats.added + changed.stats.removed + changed.stats.updated === sync.churn.netChanges)} |`,
      `| re-sync, nothing changed | ${s(unchanged.wallMs)}, ${unchanged.stats.added + unchanged.stats.removed + unchanged.stats.updated} rows written${floor(unchanged)} | fetch ${s(fetchMs)} | ${sync.ratios.unchangedResyncToFetch} | 0 rows | ${ok(unchanged.stats.added + unchanged.stats.removed + unchanged.stats.updated === 0)} |`,
    );
  }
  if (campaign) {
    rows.push(
      `| campaign launch (${campaign.launch.items} items) | ${s(campaign.launch.wallMs)}, ${campaign.launch.itemsPerSecond} items/s | bare INSERT … SELECT ${s(campaign.bareInsertSelect.wallMs)} | ${campaign.launchToBareRatio} | ≤ 2 | ${ok(campaign.launchToBareRatio <= 2)} |`,
      `| bulk decisions (${campaign.decisions.applied}) | ${s(campaign.decisions.wallMs)}, ${campaign.decisions.decisionsPerSecond} items/s | — | — | ≥ 5,000 items/s | ${ok(campaign.decisions.decisionsPerSecond >= 5000)} |`,
    );
  }
  if (expiry) {
    const off = expiry.rateLimitOff;
    const lim = expiry.defaultLimit;
    const b = expiry.burst;
    if (b) {
      rows.push(
        `| burst, ${b.requests} auto-approved requests at once (rate limit off) | request → active p50 ${s(b.p50Ms)}, p99 ${s(b.p99Ms)}, wall ${s(b.wallMs)}; ${b.membershipReadsPerGrant.max} read + ${b.membershipWritesPerGrant.max} write per grant | read + add straight to the emulator, ${b.ceiling.concurrency} in flight: wall ${s(b.ceiling.wallMs)} | ${b.wallToCeilingRatio} | exactly 1 read + 1 write per grant | ${ok(b.membershipReadsPerGrant.min === 1 && b.membershipReadsPerGrant.max === 1 && b.membershipWritesPerGrant.min === 1 && b.membershipWritesPerGrant.max === 1)} |`,
      );
    }
    rows.push(
      `| expiry, rate limit off (${expiry.grants} grants) | lateness p50 ${off.p50Ms} ms, p95 ${off.p95Ms} ms, p99 ${off.p99Ms} ms, max ${off.maxMs} ms; ${off.removeCallsPerGrant} calls/grant | — (bare BullMQ: 0.4–0.75 s p99, not re-measured) | — | p99 ≤ 2 s; 1 call/grant | ${ok(off.p99Ms <= 2000 && off.removeCallsPerGrant === 1)} |`,
      `| expiry, default limit (${lim.requestsPerSecond === null ? 'no requests/s cap' : `${lim.requestsPerSecond}/s`}, ${lim.maxConcurrent} concurrent) | drain ${s(lim.drainMs)}; ${lim.removeCallsPerGrant} calls/grant | — | — | reported | — |`,
    );
  }
  if (api) {
    // By label: the loads are not always in the same order or number.
    const byLabel = (prefix: string) => api.runs.find((r) => r.label.startsWith(prefix)) as LoadRun;
    const reviews = byLabel('GET /api/v1/reviews');
    const me = byLabel('GET /api/v1/me');
    const decide = byLabel('POST ');
    const http = byLabel('ceiling');
    const cpu = (r: LoadRun) =>
      `; CPU per request: server ${r.serverCpuUsPerRequest ?? 'n/a'} µs, Postgres ${r.postgresCpuUsPerRequest ?? 'n/a'} µs`;
    rows.push(
      `| GET /api/v1/reviews (${api.load.connections} conn, ${api.load.durationSeconds} s) | ${reviews.requestsPerSecond} req/s, p50 ${reviews.p50Ms} ms, p99 ${reviews.p99Ms} ms${cpu(reviews)} | HTTP ${http.requestsPerSecond} req/s${cpu(http)} | ${api.ratios.reviewsToHttpCeiling} | ≥ 0.5; p99 < 50 ms | ${ok(api.ratios.reviewsToHttpCeiling >= 0.5 && reviews.p99Ms < 50)} |`,
      `| GET /api/v1/me (small route, same pipeline) | ${me.requestsPerSecond} req/s, p50 ${me.p50Ms} ms, p99 ${me.p99Ms} ms${cpu(me)} | HTTP ${http.requestsPerSecond} req/s | ${api.ratios.meToHttpCeiling} | — | — |`,
      `| single decisions | ${decide.requestsPerSecond} req/s, p50 ${decide.p50Ms} ms, p99 ${decide.p99Ms} ms${cpu(decide)} | HTTP ${http.requestsPerSecond} req/s | ${api.ratios.decisionsToHttpCeiling} | — | — |`,
    );
  }
  if (logger) {
    const worst = Math.max(...logger.rows.map((r) => r.previousMs));
    rows.push(
      `| logger, one request line with a 64 KB hostile URL | ${logger.worstCpuMsPerLine} ms CPU a line, wall p99 ${logger.worstP99Ms} ms (worst of ${logger.rows.length} shapes) | — (the previous regexes: up to ${worst} ms) | — | < ${logger.targetMs} ms CPU | ${ok(logger.worstCpuMsPerLine < logger.targetMs)} |`,
    );
  }
  const md = [
    `| figure | measured | ceiling (same run) | ratio | target | met |`,
    `|---|---|---|---|---|---|`,
    ...rows,
  ].join('\n');
  const failed = Object.entries(results)
    .filter(([, r]) => r === null || (r as Ran).exitCode !== 0)
    .map(([n]) => n);
  const summary = {
    benchmark: 'all',
    scale: { users, groups, membershipsPerUser: perUser, decisions, grants },
    machine: { cpus: cpus().length, node: process.version },
    wallMs: Date.now() - started,
    failed,
    results,
  };
  const head = `jumpgate benchmarks: ${users} users, ${groups} groups, ${users * perUser} memberships; ${cpus().length} CPUs, node ${process.version}`;
  console.log(`\n${head}\n\n${md}\n`);
  console.log(`summary: ${writeResult('summary', summary, `${head}\n\n${md}\n`)}`);
  if (failed.length) {
    console.error(`FAILED: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

run(main);

import { Client } from 'pg';
import {
  type ApiClient,
  type EmulatorProcess,
  createBenchConnection,
  ratio,
  runCeiling,
  syncOnce,
} from './lib';
import { type IncrementalResult, type MeasuredRun, measureIncremental } from './sync-incremental';
import { type SyncStats } from '../src/directory/sync/directory-sync.engine';

/**
 * bench:sync's passes at a realistic JumpCloud latency (issue 22, "as fast as JumpCloud allows, no
 * faster"): every emulator answer takes 50–150 ms (drawn evenly, seeded), and the server runs with
 * API.md's default limits (8 in flight, no requests/s cap). Three measurements on the same data:
 * - the bare fetch ceiling at that latency and the same 8 in flight;
 * - a full sync (a new connection's first sync, so it lists and writes everything) at that latency;
 * - the same with 10% of calls answered 429 with `Retry-After: 1` (the client halves its concurrency
 *   once per window of 429s and grows it back; each refused call waits its second).
 * - an incremental sync after 100 membership changes in 50 groups, on the full pass's connection.
 * Target: full sync ≤ 1.15 × the ceiling; under the 429 storm both figures are reported, not judged;
 * the incremental run's wall and calls beside the full sync's at the same latency (issue 22: ≤ 5%, ≤ 1%).
 */
export const LATENCY = { minMs: 50, maxMs: 150 };
export const STORM = { fraction: 0.1, retryAfterSeconds: 1 };
export const LATENCY_TARGET = 1.15;

interface PassFigures {
  label: string;
  connectionId: string;
  wallMs: number;
  apiCalls: number;
  /** Requests the emulator answered 429 during the pass. */
  rateLimited: number;
  /** The most requests in flight at once the emulator saw during the pass. */
  emulatorHighWater: number;
  /** Mean of the in-flight count each request found on arrival (from the emulator's log). */
  meanInFlight: number | null;
  /** The run's phase timings (kept with the run, not part of the API's run shape). */
  timingsMs: Record<string, number> | null;
}

export interface LatencyResult {
  latencyMs: typeof LATENCY;
  storm: typeof STORM;
  concurrency: number;
  ceiling: { wallMs: number; calls: number; emulatorHighWater: number; phasesMs: Record<string, number> };
  passes: PassFigures[];
  incremental: IncrementalResult;
  ratios: { fullSyncToFetch: number; stormSyncToFetch: number };
  target: number;
}

/** The bare fetch ceiling (bench/ceilings/fetch.ts) against the emulator: pages of 100, `concurrency` in flight. */
export function runFetchCeiling<T>(emu: EmulatorProcess, concurrency: number): Promise<T> {
  return runCeiling<T>('fetch', [
    '--api-url',
    emu.apiUrl,
    '--api-key',
    emu.credentials.apiKey,
    '--org-id',
    emu.credentials.orgId,
    '--concurrency',
    String(concurrency),
    '--page-size',
    '100',
  ]);
}

async function control<T>(emu: EmulatorProcess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Clears the emulator's request log and counters (and so its in-flight high-water mark). */
async function resetCounters(emu: EmulatorProcess): Promise<void> {
  await control(emu, 'DELETE', '/requests');
}

async function emulatorFigures(
  emu: EmulatorProcess,
  stormFaultId: number | null,
): Promise<{ highWater: number; meanInFlight: number | null; rateLimited: number }> {
  const stats = await control<{ concurrency: { highWater: number } }>(emu, 'GET', '/stats');
  // The log keeps the last requests only (the emulator's requestLogSize): the mean is over those.
  const log = await control<{ inFlight?: number }[]>(emu, 'GET', '/requests');
  const counts = log.map((e) => e.inFlight ?? 0).filter((n) => n > 0);
  const faults = await control<{ id: number; hits: number }[]>(emu, 'GET', '/faults');
  return {
    highWater: stats.concurrency.highWater,
    meanInFlight: counts.length
      ? Number((counts.reduce((a, b) => a + b, 0) / counts.length).toFixed(2))
      : null,
    rateLimited: faults.find((f) => f.id === stormFaultId)?.hits ?? 0,
  };
}

async function runTimings(databaseUrl: string, runId: string): Promise<Record<string, number> | null> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ timings: Record<string, number> | null }>(
      `SELECT stats->'timingsMs' AS timings FROM directory_sync_runs WHERE id = $1`,
      [runId],
    );
    return rows[0]?.timings ?? null;
  } finally {
    await db.end();
  }
}

async function fullSyncPass(
  client: ApiClient,
  emu: EmulatorProcess,
  databaseUrl: string,
  label: string,
  stormFaultId: number | null,
): Promise<PassFigures> {
  // A new connection to the same organisation: its first sync is a full one whatever the server's
  // incremental rules say, and it lists and writes the whole directory.
  const connectionId = await createBenchConnection(client.call, emu);
  await resetCounters(emu);
  const started = Date.now();
  const run = await syncOnce(client, connectionId).catch((err: Error) => {
    throw new Error(`${label}: ${err.message}`);
  });
  const wallMs = Date.now() - started;
  const e = await emulatorFigures(emu, stormFaultId);
  return {
    label,
    connectionId,
    wallMs,
    apiCalls: (run.stats as { apiCalls: number }).apiCalls,
    rateLimited: e.rateLimited,
    emulatorHighWater: e.highWater,
    meanInFlight: e.meanInFlight,
    timingsMs: await runTimings(databaseUrl, run.id as string),
  };
}

export async function latencyPasses(o: {
  client: ApiClient;
  emu: EmulatorProcess;
  databaseUrl: string;
  concurrency: number;
}): Promise<LatencyResult> {
  const { client, emu, databaseUrl, concurrency } = o;
  const latency = await control<{ id: number }>(emu, 'POST', '/faults', {
    kind: 'latency',
    latencyMs: LATENCY.minMs,
    latencyMaxMs: LATENCY.maxMs,
  });
  try {
    await resetCounters(emu);
    const ceiling = await runFetchCeiling<{
      wallMs: number;
      calls: number;
      phasesMs: Record<string, number>;
    }>(emu, concurrency);
    const ceilingHighWater = (await emulatorFigures(emu, null)).highWater;
    const full = await fullSyncPass(
      client,
      emu,
      databaseUrl,
      `full sync, ${LATENCY.minMs}–${LATENCY.maxMs} ms a call`,
      null,
    );
    // Changes made by someone else after that full sync, then one incremental sync of its connection.
    const incremental = await measureIncremental({
      emulatorUrl: emu.url,
      sync: async (label, mode): Promise<MeasuredRun> => {
        const started = Date.now();
        const run = await syncOnce(client, full.connectionId, mode);
        return {
          label: `${label}, same latency`,
          wallMs: Date.now() - started,
          stats: run.stats as SyncStats,
        };
      },
      reference: {
        label: full.label,
        wallMs: full.wallMs,
        stats: { apiCalls: full.apiCalls } as SyncStats,
      },
    });
    const storm = await control<{ id: number }>(emu, 'POST', '/faults', {
      kind: 'rate_limit',
      fraction: STORM.fraction,
      retryAfterSeconds: STORM.retryAfterSeconds,
    });
    let stormy: PassFigures;
    try {
      stormy = await fullSyncPass(
        client,
        emu,
        databaseUrl,
        `full sync, same latency, ${STORM.fraction * 100}% of calls 429 (Retry-After: ${STORM.retryAfterSeconds})`,
        storm.id,
      );
    } finally {
      await control(emu, 'DELETE', `/faults/${storm.id}`);
    }
    return {
      latencyMs: LATENCY,
      storm: STORM,
      concurrency,
      ceiling: {
        wallMs: ceiling.wallMs,
        calls: ceiling.calls,
        emulatorHighWater: ceilingHighWater,
        phasesMs: ceiling.phasesMs,
      },
      passes: [full, stormy],
      incremental,
      ratios: {
        fullSyncToFetch: ratio(full.wallMs, ceiling.wallMs),
        stormSyncToFetch: ratio(stormy.wallMs, ceiling.wallMs),
      },
      target: LATENCY_TARGET,
    };
  } finally {
    await control(emu, 'DELETE', `/faults/${latency.id}`);
  }
}

export function latencyMarkdown(r: LatencyResult): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return [
    `| at ${r.latencyMs.minMs}–${r.latencyMs.maxMs} ms a call, ${r.concurrency} in flight | wall s | API calls | 429s | emulator: most in flight | mean in flight | / ceiling | target |`,
    `|---|---|---|---|---|---|---|---|`,
    `| ceiling: bare fetch | ${s(r.ceiling.wallMs)} | ${r.ceiling.calls} | 0 | ${r.ceiling.emulatorHighWater} | | 1 | |`,
    ...r.passes.map(
      (p, i) =>
        `| ${p.label} | ${s(p.wallMs)} | ${p.apiCalls} | ${p.rateLimited} | ${p.emulatorHighWater} | ${p.meanInFlight ?? ''} | ${i === 0 ? r.ratios.fullSyncToFetch : r.ratios.stormSyncToFetch} | ${i === 0 ? `≤ ${r.target}` : 'reported'} |`,
    ),
    `| ${r.incremental.run.label} | ${s(r.incremental.run.wallMs)} | ${r.incremental.run.stats.apiCalls} | | | | | wall ${r.incremental.ratios.wall} (≤ ${r.incremental.targets.wall}), calls ${r.incremental.ratios.calls} (≤ ${r.incremental.targets.calls}) of the full sync's |`,
    '',
    `| ceiling listing (ms) | ${Object.keys(r.ceiling.phasesMs).join(' | ')} |`,
    `|---|${Object.keys(r.ceiling.phasesMs)
      .map(() => '---')
      .join('|')}|`,
    `| at ${r.latencyMs.minMs}–${r.latencyMs.maxMs} ms | ${Object.values(r.ceiling.phasesMs).join(' | ')} |`,
    '',
    `| sync phase (ms) | ${r.passes.map((p) => p.label).join(' | ')} |`,
    `|---|${r.passes.map(() => '---').join('|')}|`,
    ...[...new Set(r.passes.flatMap((p) => Object.keys(p.timingsMs ?? {})))].map(
      (phase) => `| ${phase} | ${r.passes.map((p) => p.timingsMs?.[phase] ?? '').join(' | ')} |`,
    ),
  ].join('\n');
}

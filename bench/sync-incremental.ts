import { type SyncStats } from '../src/directory/sync/directory-sync.engine';
import { createRng } from '../src/emulator/random';

/** What bench/sync.ts measures of one run. */
export interface MeasuredRun {
  label: string;
  wallMs: number;
  /** The run on the server: from queued (the POST) to finished, without the client's polling. */
  serverMs?: number;
  stats: SyncStats & { mode?: string | null; events?: number; fallbackReason?: string | null };
}

export interface IncrementalResult<R extends MeasuredRun = MeasuredRun> {
  changes: { requested: number; groups: number; made: number; membersOfChangedGroups: number };
  run: R;
  reference: { label: string; wallMs: number; serverMs?: number; apiCalls: number };
  ratios: { calls: number; wall: number; server?: number };
  rowsWritten: number;
  targets: { calls: number; wall: number };
  problems: string[];
}

async function control<T>(emulatorUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulatorUrl}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Issue 22's incremental run: `changes` membership changes made in JumpCloud by someone else, spread
 * over `groups` groups (in each: one member removed, one user added, alternately), then one incremental
 * sync, beside a full sync of the same organisation (`reference`). Targets: calls ≤ 1%, wall ≤ 5% of
 * the full sync's, and only the changed rows written.
 */
export async function measureIncremental<R extends MeasuredRun>(o: {
  emulatorUrl: string;
  sync: (label: string, mode: 'full' | 'incremental') => Promise<R>;
  reference: MeasuredRun;
  changes?: number;
  groups?: number;
}): Promise<IncrementalResult<R>> {
  const want = o.changes ?? 100;
  const groupCount = o.groups ?? 50;
  // Static groups with members (manual changes are refused where a rule sets the members), drawn at
  // random (seeded): the listing's first groups are the seed's largest, and an incremental run re-lists
  // each changed group whole, so the first 50 would measure the largest groups, not typical ones.
  const candidates = (
    await control<{ id: string; membershipMethod: string; memberCount: number }[]>(
      o.emulatorUrl,
      'GET',
      `/state/groups`,
    )
  ).filter((g) => g.membershipMethod !== 'DYNAMIC_AUTOMATED' && g.memberCount > 1);
  const rng = createRng(22);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const groups = candidates.slice(0, groupCount);
  const memberTotal = groups.reduce((n, g) => n + g.memberCount, 0);
  // System users as JumpCloud's v1 API shapes them (`_id`).
  const users = await control<{ _id: string }[]>(o.emulatorUrl, 'GET', `/state/users?limit=${want * 4}`);
  let made = 0;
  for (let i = 0; made < want && i < want * 4; i++) {
    const g = groups[i % groups.length];
    if (i % 2 === 0) {
      const members = await control<string[]>(o.emulatorUrl, 'GET', `/state/groups/${g.id}/members?limit=1`);
      const r = await control<{ changed: boolean }>(
        o.emulatorUrl,
        'DELETE',
        `/groups/${g.id}/members/${members[0]}`,
      );
      if (r.changed) made++;
    } else {
      const r = await control<{ changed: boolean }>(o.emulatorUrl, 'POST', `/groups/${g.id}/members`, {
        userId: users[i % users.length]._id,
      });
      if (r.changed) made++;
    }
  }
  const run = await o.sync(`incremental sync, ${made} changes in ${groups.length} groups`, 'incremental');
  const ratio = (a: number, b: number) => Number((a / Math.max(b, 1)).toFixed(4));
  const ratios = {
    calls: ratio(run.stats.apiCalls, o.reference.stats.apiCalls),
    wall: ratio(run.wallMs, o.reference.wallMs),
    ...(run.serverMs !== undefined && o.reference.serverMs !== undefined
      ? { server: ratio(run.serverMs, o.reference.serverMs) }
      : {}),
  };
  const rowsWritten = run.stats.added + run.stats.removed + run.stats.updated;
  const targets = { calls: 0.01, wall: 0.05 };
  const problems: string[] = [];
  if (run.stats.mode !== 'incremental') {
    problems.push(`the incremental run ran ${String(run.stats.mode)} (${String(run.stats.fallbackReason)})`);
  }
  if (rowsWritten !== made)
    problems.push(`the incremental run wrote ${rowsWritten} rows for ${made} changes`);
  return {
    changes: { requested: want, groups: groups.length, made, membersOfChangedGroups: memberTotal },
    run,
    reference: {
      label: o.reference.label,
      wallMs: o.reference.wallMs,
      serverMs: o.reference.serverMs,
      apiCalls: o.reference.stats.apiCalls,
    },
    ratios,
    rowsWritten,
    targets,
    problems,
  };
}

/** The result's lines for the benchmark's markdown table. */
export function incrementalTable(r: IncrementalResult): string[] {
  const s = (ms: number | undefined) => (ms === undefined ? '' : (ms / 1000).toFixed(2));
  return [
    `| incremental vs full | wall s | server s (queued → finished) | API calls | events read | rows written |`,
    `|---|---|---|---|---|---|`,
    `| ${r.reference.label} | ${s(r.reference.wallMs)} | ${s(r.reference.serverMs)} | ${r.reference.apiCalls} | | |`,
    `| ${r.run.label} (their groups: ${r.changes.membersOfChangedGroups} members) | ${s(r.run.wallMs)} | ${s(r.run.serverMs)} | ${r.run.stats.apiCalls} | ${r.run.stats.events ?? ''} | ${r.rowsWritten} (${r.changes.made} changes) |`,
    `| ratio (target) | ${r.ratios.wall} (≤ ${r.targets.wall}) | ${r.ratios.server ?? ''} | ${r.ratios.calls} (≤ ${r.targets.calls}) | | |`,
  ];
}

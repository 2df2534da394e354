import { type HeldRemovals } from '../sync/removal-hold.policy';
import { type SyncStats } from '../sync/directory-sync.engine';
import { type SyncRunRow } from '../sync-runs.repository';

export interface SyncRunResponse {
  id: string;
  connectionId: string;
  status: SyncRunRow['status'];
  trigger: SyncRunRow['trigger'];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  stats: SyncStats;
  /** Removals held back because they exceeded the share allowed in one run (applied when the next run agrees). */
  held: HeldRemovals;
  error: string | null;
}

const EMPTY_STATS: SyncStats = {
  users: 0,
  admins: 0,
  groups: 0,
  memberships: 0,
  applications: 0,
  added: 0,
  removed: 0,
  updated: 0,
  apiCalls: 0,
};

export function toSyncRunResponse(r: SyncRunRow): SyncRunResponse {
  const stats = { ...EMPTY_STATS };
  for (const k of Object.keys(EMPTY_STATS) as (keyof SyncStats)[]) {
    if (typeof r.stats?.[k] === 'number') stats[k] = r.stats[k];
  }
  return {
    id: r.id,
    connectionId: r.connection_id,
    status: r.status,
    trigger: r.trigger,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    stats,
    held: r.held ?? {},
    error: r.error,
  };
}

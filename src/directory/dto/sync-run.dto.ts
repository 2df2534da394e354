import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { type HeldRemovals } from '../sync/removal-hold.policy';
import { type SyncStats } from '../sync/directory-sync.engine';
import { type SyncRunRow } from '../sync-runs.repository';
import { type FallbackReason, type RequestedSyncMode, type SyncMode } from '../sync/sync-mode.policy';

const FALLBACK_REASONS: FallbackReason[] = [
  'no_full_sync',
  'full_sync_due',
  'removals_held',
  'cursor_past_retention',
  'insights_forbidden',
  'events_error',
  'uninterpreted_event',
  'too_many_events',
];

/** API.md "Directory sync": optional body of POST /connections/{id}/syncs. */
export class TriggerSyncDto {
  @ApiPropertyOptional({
    enum: ['auto', 'full', 'incremental'],
    description:
      'default auto: incremental when Directory Insights is readable and the last full sync is younger than FULL_SYNC_HOURS, else full; incremental falls back to full, saying why (stats.fallbackReason)',
  })
  @IsOptional()
  @IsIn(['auto', 'full', 'incremental'])
  mode?: RequestedSyncMode;
}

export class SyncStatsResponse implements SyncStats {
  @ApiProperty() users!: number;
  @ApiProperty() admins!: number;
  @ApiProperty() groups!: number;
  @ApiProperty() memberships!: number;
  @ApiProperty() applications!: number;
  @ApiProperty({ description: 'directory rows this run added' }) added!: number;
  @ApiProperty({ description: 'directory rows this run marked removed' }) removed!: number;
  @ApiProperty({ description: 'directory rows this run changed' }) updated!: number;
  @ApiProperty({ description: 'requests made to JumpCloud' }) apiCalls!: number;
  @ApiProperty({
    type: String,
    enum: ['full', 'incremental'],
    nullable: true,
    description: 'how the run synced (null while it is queued)',
  })
  mode!: SyncMode | null;
  @ApiProperty({ description: 'Directory Insights events read' }) events!: number;
  @ApiProperty({
    type: String,
    enum: FALLBACK_REASONS,
    nullable: true,
    description: 'why a run that could have been incremental ran as a full sync, else null',
  })
  fallbackReason!: FallbackReason | null;
}

/** API.md: how many removals of each kind the run held (its digests stay internal, for the next run). */
export class HeldRemovalsResponse {
  @ApiProperty() accounts!: number;
  @ApiProperty() memberships!: number;
}

export class HeldRemovalItem {
  @ApiProperty({ enum: ['account', 'membership'] }) kind!: 'account' | 'membership';
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) groupId!: string | null;
}

export class HeldRemovalListResponse {
  @ApiProperty({ type: [HeldRemovalItem] }) items!: HeldRemovalItem[];
}

export class SyncRunResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed'], enumName: 'SyncRunStatus' })
  status!: SyncRunRow['status'];
  @ApiProperty({ enum: ['manual', 'scheduled'] }) trigger!: SyncRunRow['trigger'];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: SyncStatsResponse }) stats!: SyncStatsResponse;
  @ApiProperty({
    type: HeldRemovalsResponse,
    nullable: true,
    description:
      'removals held back because they exceeded the share allowed in one run (applied when the next run agrees)',
  })
  held!: HeldRemovalsResponse | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
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
  const stats: SyncStatsResponse = { ...EMPTY_STATS, mode: r.mode, events: 0, fallbackReason: null };
  for (const k of Object.keys(EMPTY_STATS) as (keyof SyncStats)[]) {
    if (typeof r.stats?.[k] === 'number') stats[k] = r.stats[k];
  }
  if (typeof r.stats?.events === 'number') stats.events = r.stats.events;
  const reason = r.stats?.fallbackReason;
  if (FALLBACK_REASONS.includes(reason as FallbackReason)) stats.fallbackReason = reason as FallbackReason;
  return {
    id: r.id,
    connectionId: r.connection_id,
    status: r.status,
    trigger: r.trigger,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    stats,
    held: toHeldCounts(r.held),
    error: r.error,
  };
}

/** null when the run held nothing (the stored object is `{}` then, or null before the run ended). */
function toHeldCounts(held: HeldRemovals | null): HeldRemovalsResponse | null {
  if (!held?.accounts && !held?.memberships) return null;
  return { accounts: held.accounts?.count ?? 0, memberships: held.memberships?.count ?? 0 };
}

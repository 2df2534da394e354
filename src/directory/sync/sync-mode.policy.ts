/** What a sync was asked for (API.md: POST body `mode`, default `auto`) and what it ran as. */
export type RequestedSyncMode = 'auto' | 'full' | 'incremental';
export type SyncMode = 'full' | 'incremental';

/** Why a run that could have been incremental ran as a full sync (stats.fallbackReason). */
export type FallbackReason =
  /** `incremental` was asked for but the connection has no succeeded full sync to build on. */
  | 'no_full_sync'
  /** `incremental` was asked for but the last full sync is older than FULL_SYNC_HOURS. */
  | 'full_sync_due'
  /**
   * The last run held removals (ARCHITECTURE.md rule 1): the sync that agrees must list everything
   * again to confirm the same set, which only a full sync does.
   */
  | 'removals_held'
  /** The events since the cursor are past Directory Insights' 90-day retention. */
  | 'cursor_past_retention'
  /** The credential's role may not read Directory Insights (403). */
  | 'insights_forbidden'
  /** Reading the events failed (after the client's own retries): the stream cannot be trusted. */
  | 'events_error'
  /** An event that could not be interpreted: only a full listing can say what it changed. */
  | 'uninterpreted_event'
  /** Re-listing what the events name would cost more calls than a full sync. */
  | 'too_many_events';

export type ModeDecision = { mode: 'full'; fallbackReason: FallbackReason | null } | { mode: 'incremental' };

/** Directory Insights keeps 90 days of events (spec/jumpcloud-directory-insights.json). */
export const INSIGHTS_RETENTION_MS = 90 * 24 * 3600 * 1000;
/**
 * Events can arrive minutes late (API-NOTES §10): a read after an incremental run starts this long
 * before its cursor, since a late event names an object that run did not know to read again.
 */
export const EVENTS_OVERLAP_MS = 15 * 60 * 1000;
/**
 * After a full sync only the clocks' disagreement matters: its listing, begun at the cursor, already
 * shows every change made before it, however late JumpCloud records the event.
 */
export const CLOCK_SKEW_MS = 60 * 1000;

export interface ModeInput {
  requested: RequestedSyncMode;
  /** When the connection's last succeeded full sync started; null when it never had one. */
  lastFullAt: Date | null;
  /** How far the last succeeded run read the events (a full run: its start); null when unknown. */
  cursor: Date | null;
  /** Whether that run was a full sync (see eventsStart). */
  cursorAfterFull: boolean;
  fullSyncHours: number;
  now: Date;
  /** Whether the connection's last succeeded run held removals. */
  lastRunHeld: boolean;
}

/**
 * API.md "Directory sync": `full` is full; `auto` is incremental when the last full sync is younger
 * than FULL_SYNC_HOURS (a due full sync is the plan, not a fallback); `incremental` falls back to full
 * and says why. Whether the events can then be read decides the rest (`eventsFallback`).
 */
export function decideSyncMode(i: ModeInput): ModeDecision {
  if (i.requested === 'full') return { mode: 'full', fallbackReason: null };
  const asked = i.requested === 'incremental';
  if (i.lastFullAt === null || i.cursor === null) {
    return { mode: 'full', fallbackReason: asked ? 'no_full_sync' : null };
  }
  if (i.now.getTime() - i.lastFullAt.getTime() >= i.fullSyncHours * 3600 * 1000) {
    return { mode: 'full', fallbackReason: asked ? 'full_sync_due' : null };
  }
  if (i.lastRunHeld) return { mode: 'full', fallbackReason: 'removals_held' };
  if (eventsStart(i.cursor, i.cursorAfterFull).getTime() < i.now.getTime() - INSIGHTS_RETENTION_MS) {
    return { mode: 'full', fallbackReason: 'cursor_past_retention' };
  }
  return { mode: 'incremental' };
}

/** Where an incremental run starts reading: the cursor less the overlap for late events. */
export function eventsStart(cursor: Date, afterFull: boolean): Date {
  return new Date(cursor.getTime() - (afterFull ? CLOCK_SKEW_MS : EVENTS_OVERLAP_MS));
}

import { type InsightsState, insightsStateOf } from '../../connections/connection-insights';
import { type InsightsEvent, isJumpCloudError, type JumpCloudClient } from '../../jumpcloud';
import { type DirectoryTouches } from './directory-events.policy';
import { readDirectoryEvents } from './directory-events';
import {
  decideSyncMode,
  eventsStart,
  type FallbackReason,
  type ModeInput,
  type SyncMode,
} from './sync-mode.policy';

export interface SyncPlan {
  mode: SyncMode;
  fallbackReason: FallbackReason | null;
  /** Directory Insights events read (each once). */
  events: number;
  /** The cursor this run moves to when it succeeds: the next incremental run reads from there. */
  eventsUntil: Date;
  /** The changes of the next run's overlap this run acted on, `[timestampMs, id]` (see `handled`). */
  eventsSeen: [number, string][];
  /** An incremental run's re-reads. */
  touches?: DirectoryTouches;
  /** The membership changes read, oldest first (who made them: drift attribution). */
  associations: InsightsEvent[];
  /** Why the events could not be used, for the log (no secrets: a client error's message). */
  detail?: string;
  /** What reading the events found about the connection's Directory Insights; null: not read. */
  insights: InsightsState | null;
}

/**
 * Full or incremental (sync-mode.policy.ts), and for an incremental run the events since the cursor.
 * Whenever the event stream cannot be trusted the run is a full one, with the reason.
 */
export async function planSync(
  client: JumpCloudClient,
  input: ModeInput & {
    /** What the last full sync cost in JumpCloud calls (null: unknown, no limit). */
    fullSyncCalls: number | null;
    /** The changes of the cursor's overlap the last run acted on. */
    handled: [number, string][] | null;
  },
): Promise<SyncPlan> {
  const until = input.now;
  const full = (
    fallbackReason: FallbackReason | null,
    insights: InsightsState | null,
    events = 0,
    detail?: string,
  ): SyncPlan => ({
    mode: 'full',
    insights,
    fallbackReason,
    events,
    eventsUntil: until,
    // A full listing follows every change before it: nothing to carry.
    eventsSeen: [],
    associations: [],
    ...(detail ? { detail } : {}),
  });
  const decision = decideSyncMode(input);
  if (decision.mode === 'full') return full(decision.fallbackReason, null);
  try {
    const read = await readDirectoryEvents(client, {
      since: eventsStart(input.cursor as Date, input.cursorAfterFull),
      until,
      maxCalls: input.fullSyncCalls,
      handled: (input.handled ?? []).map(([, id]) => id),
    });
    const events = read.touches.events;
    if (read.overBudget) return full('too_many_events', 'readable', events);
    if (read.touches.uninterpreted > 0) return full('uninterpreted_event', 'readable', events);
    return {
      mode: 'incremental',
      insights: 'readable',
      fallbackReason: null,
      events,
      eventsUntil: until,
      // What the next run's overlap will read again: skip what this run (or one before) acted on.
      eventsSeen: [...(input.handled ?? []), ...read.touches.changes].filter(
        ([at]) => at >= eventsStart(until, false).getTime(),
      ),
      touches: read.touches,
      associations: read.associations,
    };
  } catch (err) {
    if (!isJumpCloudError(err)) throw err;
    const found = insightsStateOf(err);
    if (found === 'forbidden') return full('insights_forbidden', found, 0, err.message);
    return full('events_error', found, 0, `${err.code}: ${err.message}`);
  }
}

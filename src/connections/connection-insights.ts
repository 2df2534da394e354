import { isJumpCloudError, type JumpCloudClient } from '../jumpcloud';

/**
 * Whether a connection may read Directory Insights: `readable`; `forbidden` (the credentials' role
 * lacks Directory Insights: JumpCloud answered 403); `unavailable` (not checked yet, or JumpCloud did
 * not answer usefully: 5xx, 429 storms, timeouts, a body we could not read).
 */
export const INSIGHTS_STATES = ['readable', 'forbidden', 'unavailable'] as const;
export type InsightsState = (typeof INSIGHTS_STATES)[number];

/** The state an events read that threw tells about the connection. */
export function insightsStateOf(err: unknown): Exclude<InsightsState, 'readable'> {
  return isJumpCloudError(err, 'missing_permission') ? 'forbidden' : 'unavailable';
}

// A short window keeps the probe to one small page whatever the organisation's volume.
const PROBE_WINDOW_MS = 3600_000;

/** One events call (one page of at most one event): can these credentials read Directory Insights? */
export async function probeInsights(client: JumpCloudClient, now = Date.now()): Promise<InsightsState> {
  try {
    for await (const page of client.insightsEvents({
      service: ['all'],
      startTime: new Date(now - PROBE_WINDOW_MS),
      limit: 1,
      fields: ['id', 'timestamp', 'event_type'],
    })) {
      void page;
      break;
    }
    return 'readable';
  } catch (err) {
    return insightsStateOf(err);
  }
}

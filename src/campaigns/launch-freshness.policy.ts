/**
 * The freshness gate (API.md "Campaigns that run themselves"): a campaign launches only over a
 * directory copy whose last successful sync is at most `maxSyncAgeHours` old. Pure, for unit tests.
 */
export interface Freshness {
  stale: boolean;
  /** Hours since the last successful sync (null: the connection never synced). */
  syncAgeHours: number | null;
  lastSyncAt: Date | null;
  maxSyncAgeHours: number;
}

export function freshness(lastSyncAt: Date | null, maxSyncAgeHours: number, now: Date): Freshness {
  if (!lastSyncAt) return { stale: true, syncAgeHours: null, lastSyncAt, maxSyncAgeHours };
  // A sync that finished "after now" (clocks of two machines) is fresh, not negative-aged.
  const syncAgeHours = Math.max(0, now.getTime() - lastSyncAt.getTime()) / 3_600_000;
  return { stale: syncAgeHours > maxSyncAgeHours, syncAgeHours, lastSyncAt, maxSyncAgeHours };
}

/** The 409 message and the notification's error text: what is old, and what would do. */
export function staleMessage(f: Freshness): string {
  const limit = `maxSyncAgeHours is ${f.maxSyncAgeHours}`;
  return f.syncAgeHours === null
    ? `The connection has never synced successfully (${limit}); sync it, or launch with force`
    : `The last successful sync is ${f.syncAgeHours.toFixed(1)} hours old (${limit}); sync it, or launch with force`;
}

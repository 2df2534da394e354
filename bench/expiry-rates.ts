import { type Client } from 'pg';

/** Arrivals at the provisioning worker and what it served, per second (bench:expiry, issue 21). */
export interface ExpiryRates {
  /** Removal operations written per second: over the spread of their writes, and the busiest second. */
  arrivals: { meanPerSecond: number; peakPerSecond: number };
  /**
   * Removals a worker started per second, counted only over seconds that began with at least
   * `backlogAtLeast` written but not started (the worker had work waiting the whole second): its
   * capacity. Null when the queue never got that long (capacity above every second's arrivals).
   */
  servedWhileBacklogged: { perSecond: number; seconds: number } | null;
  backlogAtLeast: number;
  /** Longest queue seen at a second's start (written, not started). */
  maxBacklog: number;
}

/**
 * Stage 3 of the lateness is a queue: removals written (the revoking transaction) wait for a worker
 * to start them. Its arrival rate against its service rate says whether it keeps up, whatever the
 * machine's speed; the lateness alone mixes both.
 */
export async function expiryRates(db: Client, groupId: string, backlogAtLeast = 100): Promise<ExpiryRates> {
  const { rows } = await db.query<{ created: number; started: number }>(
    `SELECT extract(epoch FROM o.created_at) * 1000 AS created, extract(epoch FROM o.started_at) * 1000 AS started
     FROM access_grants g JOIN provisioning_operations o ON o.source_id = g.id AND o.action = 'remove_member'
     WHERE g.group_id = $1`,
    [groupId],
  );
  const created = rows.map((r) => Number(r.created)).sort((a, b) => a - b);
  const started = rows.map((r) => Number(r.started)).sort((a, b) => a - b);
  const t0 = created[0];
  const seconds = Math.ceil((Math.max(...started) - t0) / 1000) + 1;
  const perSecond = (times: number[]) => {
    const counts = new Array<number>(seconds).fill(0);
    for (const t of times) counts[Math.floor((t - t0) / 1000)]++;
    return counts;
  };
  const arrived = perSecond(created);
  const served = perSecond(started);
  let queue = 0;
  let maxBacklog = 0;
  let busySeconds = 0;
  let busyServed = 0;
  for (let s = 0; s < seconds; s++) {
    if (queue >= backlogAtLeast) {
      busySeconds++;
      busyServed += served[s];
    }
    queue += arrived[s] - served[s];
    maxBacklog = Math.max(maxBacklog, queue);
  }
  const spread = Math.max(1, (created[created.length - 1] - t0) / 1000);
  return {
    arrivals: { meanPerSecond: Math.round(created.length / spread), peakPerSecond: Math.max(...arrived) },
    servedWhileBacklogged:
      busySeconds === 0 ? null : { perSecond: Math.round(busyServed / busySeconds), seconds: busySeconds },
    backlogAtLeast,
    maxBacklog,
  };
}

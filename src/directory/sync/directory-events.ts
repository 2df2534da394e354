import { type InsightsEvent, INSIGHTS_MAX_LIMIT, type JumpCloudClient } from '../../jumpcloud';
import {
  type DirectoryTouches,
  emptyTouches,
  estimatedCalls,
  interpretEvent,
} from './directory-events.policy';

export interface DirectoryEventsRead {
  touches: DirectoryTouches;
  /** Event pages fetched (JumpCloud calls). */
  pages: number;
  /** The membership changes read (`association_change` between a group and a user), oldest first:
   * who made an outside change, for drift attribution. */
  associations: InsightsEvent[];
  /** True when reading stopped because re-listing would cost more than `maxCalls`. */
  overBudget: boolean;
}

/**
 * The directory events between `since` and `until` (service `directory`, oldest first, the largest
 * page the API allows), interpreted as what to re-read. Reading stops as soon as the re-reads would
 * cost more than `maxCalls` (a full sync's cost): the run is then a full one anyway.
 */
export async function readDirectoryEvents(
  client: JumpCloudClient,
  window: {
    since: Date;
    until: Date;
    maxCalls: number | null;
    /** Ids of changes a previous run already acted on (see DirectoryTouches.handled). */
    handled?: Iterable<string>;
  },
): Promise<DirectoryEventsRead> {
  const touches = emptyTouches(window.handled);
  const associations: InsightsEvent[] = [];
  let pages = 0;
  for await (const page of client.insightsEvents({
    service: ['directory'],
    startTime: window.since,
    endTime: window.until,
    limit: INSIGHTS_MAX_LIMIT,
    sort: 'ASC',
  })) {
    pages++;
    for (const e of page) {
      const before = touches.events;
      interpretEvent(touches, e);
      if (touches.events !== before && String(e.event_type).toLowerCase() === 'association_change') {
        associations.push(e);
      }
    }
    if (window.maxCalls !== null && estimatedCalls(touches, pages) > window.maxCalls) {
      return { touches, pages, associations, overBudget: true };
    }
  }
  return { touches, pages, associations, overBudget: false };
}

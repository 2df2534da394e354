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
  /** True when reading stopped early: re-listing would cost more than `maxCalls`, or `maxEvents` were read. */
  overBudget: boolean;
}

/**
 * The one reader of directory events (service `directory`, oldest first, the largest page the API
 * allows), interpreted as what to re-read and as the membership changes they tell: an incremental
 * sync's plan reads its window here, and a full sync's attribution its `association_change` events
 * (change-attribution.service.ts), so both hand attribution the same `associations`. Reading stops as
 * soon as the re-reads would cost more than `maxCalls` (a full sync's cost: the run is then a full one
 * anyway), or after `maxEvents` (memory).
 */
export async function readDirectoryEvents(
  client: JumpCloudClient,
  window: {
    since: Date;
    until: Date;
    maxCalls: number | null;
    maxEvents?: number;
    /** Only this event type (a search term: JumpCloud filters, so fewer pages). */
    eventType?: string;
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
    ...(window.eventType ? { searchTerm: { and: { event_type: window.eventType } } } : {}),
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
    if (
      (window.maxCalls !== null && estimatedCalls(touches, pages) > window.maxCalls) ||
      (window.maxEvents !== undefined && touches.events >= window.maxEvents)
    ) {
      return { touches, pages, associations, overBudget: true };
    }
  }
  return { touches, pages, associations, overBudget: false };
}

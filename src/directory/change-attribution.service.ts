import { Injectable, Logger } from '@nestjs/common';
import { type EntityManager, type QueryRunner } from 'typeorm';
import { type InsightsState, insightsStateOf } from '../connections/connection-insights';
import { type InsightsEvent, type JumpCloudClient } from '../jumpcloud';
import { ChangeAttributionRepository } from './change-attribution.repository';
import { type AttributedChange, parseAssociationChange } from './change-attribution.policy';
import { readDirectoryEvents } from './sync/directory-events';

/** Events can reach Directory Insights minutes late (API-NOTES §10): read back this far before the window. */
export const ATTRIBUTION_OVERLAP_MS = 15 * 60_000;
/** A window with more changes than this is not read whole (memory); unmatched rows then stay unattributed. */
export const ATTRIBUTION_MAX_EVENTS = 200_000;

/** The one way read events become attributions: the membership changes they tell, with who made them. */
function attributionOf(since: Date, associations: InsightsEvent[], complete: boolean): AttributionEvents {
  const changes = associations.flatMap((e) => parseAssociationChange(e) ?? []);
  return { insights: 'readable', since, changes, complete, events: associations.length };
}

/** What one sync read from Directory Insights to tell who changed what. */
export type AttributionEvents =
  | { insights: 'readable'; since: Date; changes: AttributedChange[]; complete: boolean; events: number }
  | { insights: 'forbidden' | 'unavailable'; reason: string }
  | { insights: 'not_needed' };

/**
 * Who made the membership changes a sync sees that jumpgate did not make (API.md history routes,
 * `changedBy`): one read of `association_change` events per sync, over the window since the previous
 * successful run began (less an overlap for late events), then one set-wise statement that stamps
 * the run's history rows. When Directory Insights cannot be read the rows keep `changedBy: null`
 * and the sync goes on as before.
 */
@Injectable()
export class ChangeAttributionService {
  private readonly logger = new Logger(ChangeAttributionService.name);

  constructor(private readonly repo: ChangeAttributionRepository) {}

  /**
   * The window's events, outside the run's transaction (an HTTP read must not hold row locks). Events
   * come from the one directory events reader (sync/directory-events.ts): an incremental run has read
   * its window already (`plan.associations`) and hands them over, so a sync reads events once; a full
   * run reads the window's `association_change` events through that reader here, unless its plan's
   * read just failed (the same failure again would tell nothing new). Either way the changes are
   * made from the events by `attributionOf`.
   */
  async read(
    qr: QueryRunner,
    client: JumpCloudClient,
    connectionId: string,
    plan: { mode: 'full' | 'incremental'; insights: InsightsState | null; associations: InsightsEvent[] },
  ): Promise<AttributionEvents> {
    const previous = await this.repo.previousRunStartedAt(qr, connectionId);
    // A first sync records no history rows (its baseline): nothing to attribute.
    if (previous === null) return { insights: 'not_needed' };
    const since = new Date(previous.getTime() - ATTRIBUTION_OVERLAP_MS);
    if (plan.mode === 'incremental') return attributionOf(since, plan.associations, true);
    if (plan.insights === 'forbidden' || plan.insights === 'unavailable') {
      return { insights: plan.insights, reason: "the sync's own events read failed" };
    }
    try {
      const read = await readDirectoryEvents(client, {
        since,
        until: new Date(),
        maxCalls: null,
        maxEvents: ATTRIBUTION_MAX_EVENTS,
        eventType: 'association_change',
      });
      return attributionOf(since, read.associations, !read.overBudget);
    } catch (err) {
      // Classified as the connection's insights state is; that state itself is recorded by the
      // activity read after the sync (writing the connection's row here would wait on settlements).
      const insights = insightsStateOf(err);
      const reason = err instanceof Error ? err.message : 'unknown error';
      this.logger.warn(
        { connectionId, insights, error: reason },
        'Directory Insights not read: changes stay unattributed',
      );
      return { insights, reason };
    }
  }

  /** Stamps the history rows this run wrote (and late ones of earlier runs), inside the run's transaction. */
  async apply(m: EntityManager, connectionId: string, runId: string, read: AttributionEvents): Promise<void> {
    if (read.insights !== 'readable') return;
    await this.repo.stamp(m, connectionId, runId, read.since, read.changes, read.complete);
  }
}

import { Injectable } from '@nestjs/common';
import { type EntityManager, type QueryRunner } from 'typeorm';
import { type AttributedChange } from './change-attribution.policy';

/** An event stamped a little after the run's clock still explains its row (clocks differ). */
const CLOCK_SLACK = '2 minutes';

/** The SQL behind attribution: the window to read, and stamping history rows from the events. */
@Injectable()
export class ChangeAttributionRepository {
  /** When the connection's last successful run began (its listing began after that), or null. */
  async previousRunStartedAt(qr: QueryRunner, connectionId: string): Promise<Date | null> {
    const [row] = (await qr.query(
      `SELECT max(started_at) AS at FROM directory_sync_runs WHERE connection_id = $1 AND status = 'succeeded'`,
      [connectionId],
    )) as { at: Date | null }[];
    return row?.at ?? null;
  }

  /**
   * Stamps who made each change jumpgate did not make, recorded since `since`, with the latest
   * matching event (same group, user and direction, no later than the row): this run's rows, and
   * earlier rows left unattributed (their event may have arrived late). This run's rows without a
   * match become `unknown` when `complete` (every event of the window was read). One statement.
   */
  async stamp(
    m: EntityManager,
    connectionId: string,
    runId: string,
    since: Date,
    changes: AttributedChange[],
    complete: boolean,
  ): Promise<void> {
    await m.query(
      `WITH ev AS (
         SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[])
           AS e(group_ext, user_ext, op, at, by_type, by_email, by_name)),
       cand AS (
         SELECT DISTINCT ON (h.id) h.id, h.run_id, e.by_type, e.by_email, e.by_name
         FROM directory_membership_history h
         JOIN directory_groups g ON g.id = h.group_id
         JOIN directory_accounts a ON a.id = h.account_id
         LEFT JOIN ev e ON e.group_ext = lower(g.external_id) AND e.user_ext = lower(a.external_id)
           AND e.op = CASE h.change WHEN 'added' THEN 'add' ELSE 'remove' END
           AND e.at <= h.at + interval '${CLOCK_SLACK}'
         WHERE h.connection_id = $1 AND h.operation_id IS NULL AND h.at >= $3
           AND (h.changed_by_type IS NULL OR h.changed_by_type = 'unknown')
         ORDER BY h.id, e.at DESC NULLS LAST)
       UPDATE directory_membership_history h
       SET changed_by_type = coalesce(c.by_type, 'unknown'), changed_by_email = c.by_email, changed_by_name = c.by_name
       FROM cand c
       WHERE h.id = c.id AND (c.by_type IS NOT NULL OR (c.run_id = $2 AND $11))`,
      [
        connectionId,
        runId,
        since,
        changes.map((c) => c.groupExternalId),
        changes.map((c) => c.userExternalId),
        changes.map((c) => c.op),
        changes.map((c) => c.at),
        changes.map((c) => c.by.type),
        changes.map((c) => c.by.email ?? null),
        changes.map((c) => c.by.name ?? null),
        complete,
      ],
    );
  }
}

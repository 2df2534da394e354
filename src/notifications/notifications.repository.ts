import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { returned } from '../platform/database/sql';
import { type NotificationKind, type NotificationLinks, type NotificationStatus } from './notification-kinds';
import { type Preferences } from './preferences.policy';

export interface NotificationRow {
  id: string;
  recipient_id: string;
  kind: NotificationKind;
  subject_type: string;
  subject_id: string;
  period: string;
  channel_id: string;
  status: NotificationStatus;
  data: Record<string, unknown>;
  links: NotificationLinks;
  attempts: number;
  last_error: string | null;
  delivery_ref: Record<string, unknown> | null;
  created_at: Date;
  sent_at: Date | null;
  ck?: string;
}

/** A claimed row with what sending it needs about its recipient. */
export interface ClaimedNotification extends NotificationRow {
  recipient_email: string;
  recipient_name: string | null;
}

export interface Expansion {
  kind: NotificationKind;
  /** Principals by id, each with its own data merged over the common data (a digest) or none. */
  recipients: { id: string; extra?: Record<string, unknown> }[];
  /** Lower-case emails whose principals also receive it. */
  recipientEmails: string[];
  admins: boolean;
  subjectType: string;
  subjectId: string;
  period: string;
  data: Record<string, unknown>;
  links: NotificationLinks;
  ignorePreferences: boolean;
}

export interface NotificationFilter {
  recipientId?: string;
  kind?: string;
  status?: string;
}

@Injectable()
export class NotificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One row per recipient and enabled channel of every expansion, in ONE statement in the caller's
   * transaction (a settlement of 500 grants is one round trip, not 500): `suppressed` where the
   * recipient's preference turns the kind off on that channel type, else `pending`. The key
   * (recipient, kind, subject, period, channel) makes a repeat a no-op. Disabled principals and the
   * bootstrap principal (no mailbox) get nothing. Returns the new pending rows' ids.
   */
  async insertExpanded(m: EntityManager, expansions: Expansion[]): Promise<string[]> {
    if (expansions.length === 0) return [];
    const rows = await m.query<{ id: string }[]>(
      `WITH e AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(n int, kind text, subject_type text, subject_id uuid,
           period text, data jsonb, links jsonb, admins boolean, ignore_preferences boolean, recipients jsonb,
           emails jsonb)
       ),
       r AS (
         SELECT e.n, (x ->> 'id')::uuid AS id, x -> 'extra' AS extra
         FROM e CROSS JOIN jsonb_array_elements(e.recipients) AS x
         UNION
         SELECT e.n, p.id, NULL::jsonb FROM e JOIN principals p ON e.admins AND 'admin' = ANY(p.roles)
         UNION
         SELECT e.n, p.id, NULL::jsonb
         FROM e CROSS JOIN jsonb_array_elements_text(e.emails) AS x(email)
         JOIN principals p ON lower(p.email) = x.email
       ),
       ins AS (
         INSERT INTO notifications (recipient_id, kind, subject_type, subject_id, period, channel_id, status, data, links)
         SELECT DISTINCT ON (r.n, p.id, c.id) p.id, e.kind, e.subject_type, e.subject_id, e.period, c.id,
                CASE WHEN NOT e.ignore_preferences AND c.type IN ('email', 'slack')
                          AND (pref.kinds -> e.kind ->> c.type) = 'false' THEN 'suppressed'
                     ELSE 'pending' END,
                e.data || COALESCE(r.extra, '{}'::jsonb), e.links
         FROM r
         JOIN e ON e.n = r.n
         JOIN principals p ON p.id = r.id AND NOT p.disabled AND NOT p.is_bootstrap
         CROSS JOIN notification_channels c
         LEFT JOIN notification_preferences pref ON pref.principal_id = p.id
         WHERE c.enabled AND c.deleted_at IS NULL
         ORDER BY r.n, p.id, c.id, r.extra IS NULL
         ON CONFLICT (recipient_id, kind, subject_type, subject_id, period, channel_id) DO NOTHING
         RETURNING id, status
       )
       SELECT id FROM ins WHERE status = 'pending'`,
      [
        JSON.stringify(
          expansions.map((e, n) => ({
            n,
            kind: e.kind,
            subject_type: e.subjectType,
            subject_id: e.subjectId,
            period: e.period,
            data: e.data,
            links: e.links,
            admins: e.admins,
            ignore_preferences: e.ignorePreferences,
            recipients: e.recipients,
            emails: e.recipientEmails,
          })),
        ),
      ],
    );
    return rows.map((r) => r.id);
  }

  async list(filter: NotificationFilter, ks: Keyset): Promise<NotificationRow[]> {
    const where: string[] = [ks.after(1)];
    const params: unknown[] = [...ks.params];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.recipientId) add('recipient_id = ?', filter.recipientId);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.status) add('status = ?', filter.status);
    return this.dataSource.query<NotificationRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM notifications
       WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $3`,
      params,
    );
  }

  async get(id: string): Promise<NotificationRow | null> {
    const rows = await this.dataSource.query<NotificationRow[]>(`SELECT * FROM notifications WHERE id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  /**
   * Stores the outcome of one Slack action on the message a row was delivered as (its delivery ref's
   * channel and ts must match: the block id alone names the row) and returns the row with every
   * outcome so far, under the row lock, so two clicks on one message never lose each other's outcome.
   */
  async recordSlackOutcome(
    id: string,
    where: { channel: string; ts: string },
    blockId: string,
    outcome: string,
  ): Promise<ClaimedNotification | null> {
    const rows = returned<ClaimedNotification>(
      await this.dataSource.query(
        `UPDATE notifications n SET delivery_ref = n.delivery_ref
           || jsonb_build_object('outcomes', COALESCE(n.delivery_ref -> 'outcomes', '{}'::jsonb) || jsonb_build_object($4::text, $5::text))
         FROM principals p
         WHERE n.id = $1 AND p.id = n.recipient_id AND n.delivery_ref ->> 'channel' = $2 AND n.delivery_ref ->> 'ts' = $3
         RETURNING n.*, p.email AS recipient_email, p.display_name AS recipient_name`,
        [id, where.channel, where.ts, blockId, outcome],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Takes a pending row for one send: counts the attempt and holds it for `leaseMs`, so no other
   * worker sends it meanwhile (a job Redis redelivered or the relay re-enqueued finds it held).
   * Null when it is not pending or another worker holds it.
   */
  async claim(id: string, leaseMs: number): Promise<ClaimedNotification | null> {
    const rows = returned<ClaimedNotification>(
      await this.dataSource.query(
        `UPDATE notifications n SET attempts = n.attempts + 1,
                claimed_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
         FROM principals p
         WHERE n.id = $1 AND p.id = n.recipient_id AND n.status = 'pending'
           AND (n.claimed_until IS NULL OR n.claimed_until < clock_timestamp())
         RETURNING n.*, p.email AS recipient_email, p.display_name AS recipient_name`,
        [id, leaseMs],
      ),
    );
    return rows[0] ?? null;
  }

  async markSent(id: string, ref: Record<string, unknown> | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications SET status = 'sent', sent_at = clock_timestamp(), claimed_until = NULL,
              last_error = NULL, delivery_ref = $2 WHERE id = $1 AND status = 'pending'`,
      [id, ref === null ? null : JSON.stringify(ref)],
    );
  }

  /** A failed attempt: `final` ends the row `failed`, else it waits (unheld) for the next try. */
  async markAttemptFailed(id: string, error: string, final: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications SET last_error = $2, claimed_until = NULL,
              status = CASE WHEN $3 THEN 'failed' ELSE status END
       WHERE id = $1 AND status = 'pending'`,
      [id, error.slice(0, 1000), final],
    );
  }

  /** Pending rows nobody holds, oldest first, at least `minAgeMs` old (a fresh one is being dispatched). */
  async getPendingForRelay(minAgeMs: number, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM notifications
       WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         AND created_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
       ORDER BY created_at LIMIT $2`,
      [minAgeMs, limit],
    );
    return rows.map((r) => r.id);
  }

  async getPreferences(principalId: string): Promise<Preferences> {
    const rows = await this.dataSource.query<{ kinds: Preferences }[]>(
      `SELECT kinds FROM notification_preferences WHERE principal_id = $1`,
      [principalId],
    );
    return rows[0]?.kinds ?? {};
  }

  async putPreferences(m: EntityManager, principalId: string, kinds: Preferences): Promise<Preferences> {
    const rows = await m.query<{ kinds: Preferences }[]>(
      `INSERT INTO notification_preferences (principal_id, kinds) VALUES ($1, $2)
       ON CONFLICT (principal_id) DO UPDATE SET kinds = EXCLUDED.kinds, updated_at = clock_timestamp()
       RETURNING kinds`,
      [principalId, JSON.stringify(kinds)],
    );
    return rows[0].kinds;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type SignIn } from './sign-in.policy';

export interface ActivityCursorRow {
  connection_id: string;
  covered_from: Date;
  read_through: Date;
  events_read: string;
}

export interface ApplicationActivityRow {
  id: string;
  name: string;
  last_sign_in_at: Date | null;
}

// Rows per upsert: three arrays through unnest are three bind parameters, whatever the batch size.
const BATCH = 10_000;

/** The SQL of sign-in activity: what the events read found, its cursor, and an account's activity. */
@Injectable()
export class ActivityRepository {
  constructor(private readonly dataSource: DataSource) {}

  async getCursor(connectionId: string): Promise<ActivityCursorRow | null> {
    const rows = await this.dataSource.query<ActivityCursorRow[]>(
      `SELECT * FROM directory_activity_cursors WHERE connection_id = $1`,
      [connectionId],
    );
    return rows[0] ?? null;
  }

  /**
   * Stores one read: each sign-in only where it is newer than the stored one (a re-read of the overlap
   * or a late retry never moves a time backwards), and the cursor, which only moves forward.
   */
  async saveRead(
    m: EntityManager,
    connectionId: string,
    signIns: readonly SignIn[],
    read: { from: Date; through: Date; events: number },
  ): Promise<void> {
    for (let i = 0; i < signIns.length; i += BATCH) {
      const batch = signIns.slice(i, i + BATCH);
      await m.query(
        `INSERT INTO directory_sign_ins AS s (connection_id, user_external_id, application_external_id, last_sign_in_at)
         SELECT $1, u, a, to_timestamp(t / 1000.0)
         FROM unnest($2::text[], $3::text[], $4::float8[]) AS x(u, a, t)
         ON CONFLICT (connection_id, user_external_id, application_external_id)
         DO UPDATE SET last_sign_in_at = excluded.last_sign_in_at
         WHERE s.last_sign_in_at < excluded.last_sign_in_at`,
        [connectionId, batch.map((s) => s.user), batch.map((s) => s.application), batch.map((s) => s.at)],
      );
    }
    await m.query(
      `INSERT INTO directory_activity_cursors AS c (connection_id, covered_from, read_through, events_read)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (connection_id) DO UPDATE SET
         covered_from = LEAST(c.covered_from, excluded.covered_from),
         read_through = GREATEST(c.read_through, excluded.read_through),
         events_read = c.events_read + excluded.events_read,
         updated_at = now()`,
      [connectionId, read.from, read.through, read.events],
    );
  }

  /** The account (a live connection's) with its connection, or null. */
  async accountConnection(accountId: string): Promise<string | null> {
    const rows = await this.dataSource.query<{ connection_id: string }[]>(
      `SELECT a.connection_id FROM directory_accounts a
       JOIN connections c ON c.id = a.connection_id AND c.deleted_at IS NULL
       WHERE a.id = $1`,
      [accountId],
    );
    return rows[0]?.connection_id ?? null;
  }

  /**
   * The account's last sign-in (any kind), and one entry per application it reaches through a current
   * membership or has signed in to, each with its last sign-in (null: none seen), by name.
   */
  async applicationActivity(accountId: string): Promise<ApplicationActivityRow[]> {
    return this.dataSource.query<ApplicationActivityRow[]>(
      `WITH reach AS (
         SELECT ag.application_id FROM directory_memberships m
         JOIN directory_application_groups ag ON ag.group_id = m.group_id
         WHERE m.account_id = $1 AND m.removed_at IS NULL
         UNION
         SELECT application_id FROM directory_sign_in_view WHERE account_id = $1 AND application_id IS NOT NULL
       )
       SELECT d.id, d.name,
              (SELECT max(v.last_sign_in_at) FROM directory_sign_in_view v
               WHERE v.account_id = $1 AND v.application_id = d.id) AS last_sign_in_at
       FROM reach r JOIN directory_applications d ON d.id = r.application_id AND d.removed_at IS NULL
       ORDER BY d.name, d.id`,
      [accountId],
    );
  }

  async accountLastSignIn(accountId: string): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ at: Date | null }[]>(
      `SELECT max(last_sign_in_at) AS at FROM directory_sign_in_view WHERE account_id = $1`,
      [accountId],
    );
    return row?.at ?? null;
  }
}

import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sign-in activity from Directory Insights (API.md "Access, activity and drift").
 *
 * `directory_sign_ins`: the latest successful sign-in seen per JumpCloud user and application
 * (`application_external_id = ''`: a user-portal login). Keyed by JumpCloud's ids as the events give
 * them (lowercase), not by jumpgate's, so a sign-in of a user the directory copy does not hold yet is
 * kept and shows once a sync brings the account in.
 * `directory_activity_cursors`: per connection, how far the events have been read (`read_through`)
 * and from when (`covered_from`, the start of the first read: JumpCloud keeps 90 days).
 * `directory_sign_in_view`: the read-only view other modules join (campaigns' review items).
 * Grants come from the default privileges given to jumpgate_app.
 */
export class SignInActivity1764000014410 implements MigrationInterface {
  name = 'SignInActivity1764000014410';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_sign_ins (
        connection_id uuid NOT NULL REFERENCES connections(id),
        user_external_id text NOT NULL,
        application_external_id text NOT NULL DEFAULT '',
        last_sign_in_at timestamptz NOT NULL,
        PRIMARY KEY (connection_id, user_external_id, application_external_id)
      )`);
    await q.query(`
      CREATE TABLE directory_activity_cursors (
        connection_id uuid PRIMARY KEY REFERENCES connections(id),
        covered_from timestamptz NOT NULL,
        read_through timestamptz NOT NULL,
        events_read bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE VIEW directory_sign_in_view AS
      SELECT a.connection_id, a.id AS account_id, d.id AS application_id, s.last_sign_in_at
      FROM directory_sign_ins s
      JOIN directory_accounts a ON a.connection_id = s.connection_id AND a.kind = 'user'
           AND lower(a.external_id) = s.user_external_id
      LEFT JOIN directory_applications d ON s.application_external_id <> ''
           AND d.connection_id = s.connection_id AND lower(d.external_id) = s.application_external_id`);
    await q.query(`CREATE INDEX directory_accounts_external_lower_idx
      ON directory_accounts (connection_id, lower(external_id)) WHERE kind = 'user'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX directory_accounts_external_lower_idx`);
    await q.query(`DROP VIEW directory_sign_in_view`);
    await q.query(`DROP TABLE directory_activity_cursors`);
    await q.query(`DROP TABLE directory_sign_ins`);
  }
}

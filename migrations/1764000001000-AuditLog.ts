import { type MigrationInterface, type QueryRunner } from 'typeorm';

// The audit log is append-only at the database level: the application role can insert and read,
// and triggers refuse UPDATE, DELETE and TRUNCATE whoever asks (short of disabling triggers as a superuser).
export class AuditLog1764000001000 implements MigrationInterface {
  name = 'AuditLog1764000001000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        at timestamptz NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('principal', 'system')),
        actor_id text,
        actor_email text,
        action text NOT NULL,
        target_type text,
        target_id text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        key_id text NOT NULL,
        prev_hash text,
        hash text NOT NULL
      )`);
    await q.query(`CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, seq)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_events_target_idx ON audit_events (target_id, seq)`);
    await q.query(`CREATE INDEX audit_events_at_idx ON audit_events (at)`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
  }
}

import { type MigrationInterface, type QueryRunner } from 'typeorm';

const KINDS = [
  'campaign_assigned',
  'review_reminder',
  'review_overdue',
  'review_escalated',
  'request_to_approve',
  'request_decided',
  'grant_active',
  'grant_expiring',
  'grant_ended',
  'break_glass_used',
  'remediation_failed',
  'sync_failed',
  'removals_held',
  'drift_detected',
  'campaign_launch_failed',
];

export class Notifications1764000011000 implements MigrationInterface {
  name = 'Notifications1764000011000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('email', 'slack', 'webhook')),
        name text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        -- The whole config sealed (AES-256-GCM bound to the channel id), and a copy with every secret
        -- masked ("***" + last 4) for responses: the sealed form is never returned.
        config_sealed bytea NOT NULL,
        config_public jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX notification_channels_list_idx ON notification_channels (created_at, id) WHERE deleted_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recipient_id uuid NOT NULL REFERENCES principals(id),
        kind text NOT NULL CHECK (kind IN (${KINDS.map((k) => `'${k}'`).join(', ')})),
        subject_type text NOT NULL,
        subject_id uuid NOT NULL,
        -- API.md: the reminder's ordinal, the expiresAt in force for grant_expiring, else ''.
        period text NOT NULL DEFAULT '',
        channel_id uuid NOT NULL REFERENCES notification_channels(id),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
        data jsonb NOT NULL DEFAULT '{}',
        -- Paths of the web app and of the REST route; made absolute on PUBLIC_URL when sent.
        links jsonb NOT NULL DEFAULT '{}',
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        -- A worker's claim on a pending row while it sends: no second worker sends it meanwhile.
        claimed_until timestamptz,
        -- Where a Slack message went, so an interaction can update it.
        delivery_ref jsonb,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz
      )`);
    // The key of API.md: a second notify of the same thing on the same channel is a no-op.
    await q.query(`CREATE UNIQUE INDEX notifications_key_uq
      ON notifications (recipient_id, kind, subject_type, subject_id, period, channel_id)`);
    await q.query(`CREATE INDEX notifications_list_idx ON notifications (created_at, id)`);
    await q.query(
      `CREATE INDEX notifications_pending_idx ON notifications (created_at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE notification_preferences (
        principal_id uuid PRIMARY KEY REFERENCES principals(id),
        kinds jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // The runtime role's rights on the new tables, the way 1764000009100 set them up (a no-op
    // returning false where there is no separate runtime role).
    await q.query(`SELECT jumpgate_grant_app_role()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_preferences`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE notification_channels`);
  }
}

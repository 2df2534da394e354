import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API.md "Campaigns that run themselves": campaign templates with a schedule, the campaigns they
 * launch (one per template and period, guarded here rather than by the tick or Redis), and the
 * freshness gate's `maxSyncAgeHours`. Grants come from the default privileges given to jumpgate_app.
 */
export class CampaignTemplates1764000013100 implements MigrationInterface {
  name = 'CampaignTemplates1764000013100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        name text NOT NULL,
        -- The body of each period's campaign (POST /campaigns without connectionId, name and dueAt),
        -- checked by the same rules as that route when stored and again at each launch.
        campaign jsonb NOT NULL,
        every_months int NOT NULL CHECK (every_months BETWEEN 1 AND 12),
        day_of_month int NOT NULL DEFAULT 1 CHECK (day_of_month BETWEEN 1 AND 28),
        duration_days double precision NOT NULL CHECK (duration_days > 0),
        mode text NOT NULL DEFAULT 'full' CHECK (mode IN ('full', 'delta')),
        -- Periods that start before this are never launched: the start of the period in progress at
        -- creation (it launches), or the moment the schedule last changed (its period does not).
        launch_from timestamptz NOT NULL,
        -- The last sync a stale scheduled launch asked for (at most one per SYNC_RETRY window).
        sync_requested_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        -- Soft delete: past campaigns keep naming their template, and no future one is made.
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX campaign_templates_list_idx ON campaign_templates (created_at, id)`);
    await q.query(
      `CREATE INDEX campaign_templates_live_idx ON campaign_templates (connection_id) WHERE deleted_at IS NULL`,
    );
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN template_id uuid REFERENCES campaign_templates(id),
        ADD COLUMN period text,
        ADD COLUMN max_sync_age_hours double precision NOT NULL DEFAULT 24 CHECK (max_sync_age_hours > 0),
        ADD CONSTRAINT campaigns_template_period_both CHECK ((template_id IS NULL) = (period IS NULL)),
        -- A period launches once, whatever the number of workers, restarts or Redis flushes.
        ADD CONSTRAINT campaigns_template_period_key UNIQUE (template_id, period)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns DROP CONSTRAINT campaigns_template_period_key,
        DROP CONSTRAINT campaigns_template_period_both, DROP COLUMN max_sync_age_hours,
        DROP COLUMN period, DROP COLUMN template_id`);
    await q.query(`DROP TABLE campaign_templates`);
  }
}

import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * An evidence bundle holds every audit event of a campaign and its items: events whose target is the
 * campaign (audit_events_target_idx) and events whose data names it as `campaignId` (every item event),
 * which this index finds without reading the whole log.
 */
export class AuditEventsByCampaign1764000013401 implements MigrationInterface {
  name = 'AuditEventsByCampaign1764000013401';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX audit_events_campaign_idx ON audit_events ((data->>'campaignId'), seq)
      WHERE data ? 'campaignId'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_campaign_idx`);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { cursorKey } from '../platform/database/keyset';
import { type CursorPosition } from '../platform/http/pagination';
import { type ItemResponseRow } from './dto/campaign.mapper';
import { FROZEN_ITEM_ACTIVITY_COLUMNS } from './review-items.repository';

/** The reads of an evidence bundle that no other route makes. */
@Injectable()
export class CampaignEvidenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The next batch of the campaign's items in creation order after `after`, as item responses read them,
   * with the activity frozen on each (a closed campaign's: live sign-ins would change the bundle).
   */
  async itemBatch(
    campaignId: string,
    after: CursorPosition,
    limit: number,
  ): Promise<(ItemResponseRow & { ck: string })[]> {
    return this.dataSource.query(
      `SELECT i.*, c.name AS campaign_name, c.due_at AS campaign_due_at, ${FROZEN_ITEM_ACTIVITY_COLUMNS},
         ${cursorKey('i.created_at')} AS ck
       FROM review_items i JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.campaign_id = $1 AND (i.created_at, i.id) > ($2::timestamptz, $3::uuid)
       ORDER BY i.created_at, i.id LIMIT ${limit}`,
      [campaignId, after.k, after.id],
    );
  }
}

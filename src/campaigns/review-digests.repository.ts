import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';

/** One reviewer's digest of a campaign: pending items and the first few, for Slack buttons. */
export interface ReviewerDigest {
  id: string;
  pending: number;
  preview: { itemId: string; label: string }[];
}

// API.md: a review digest carries Keep/Revoke for up to 10 items.
const PREVIEW_ITEMS = 10;

@Injectable()
export class ReviewDigestsRepository {
  async setRemindedPeriod(m: EntityManager, campaignId: string, period: string | null): Promise<void> {
    await m.query(`UPDATE campaigns SET reminded_period = $2 WHERE id = $1`, [campaignId, period]);
  }

  /** Every reviewer with pending items in the campaign, with a count and the first items: one statement. */
  async pendingByReviewer(m: EntityManager, campaignId: string): Promise<ReviewerDigest[]> {
    return m.query<ReviewerDigest[]>(
      `SELECT r.reviewer_id AS id, r.pending,
              COALESCE((SELECT jsonb_agg(jsonb_build_object(
                         'itemId', x.id,
                         'label', COALESCE(x.account_email, x.account_display_name, x.account_id::text)
                           || COALESCE(' in ' || x.group_name, ' (administrator account)'))
                       ORDER BY x.created_at, x.id)
                FROM (SELECT id, account_email, account_display_name, account_id, group_name, created_at
                      FROM review_items i
                      WHERE i.reviewer_id = r.reviewer_id AND i.campaign_id = $1 AND i.status = 'pending'
                      ORDER BY i.created_at, i.id LIMIT $2) x), '[]'::jsonb) AS preview
       FROM (SELECT reviewer_id, count(*)::int AS pending FROM review_items
             WHERE campaign_id = $1 AND status = 'pending' AND reviewer_id IS NOT NULL
             GROUP BY reviewer_id) r`,
      [campaignId, PREVIEW_ITEMS],
    );
  }
}

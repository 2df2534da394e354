import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** The JumpCloud role that may not be revoked from everyone in a campaign (API.md). */
export const BILLING_ADMIN_ROLE = 'Administrator With Billing';

/** The reviewer of an administrator item: the first fallback reviewer who is not that administrator. */
const FALLBACK_REVIEWER = `(SELECT f.id FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS f(id, email, ord)
   WHERE lower(f.email) IS DISTINCT FROM lower(a.email) ORDER BY f.ord LIMIT 1)`;

/**
 * Items of the administrators scope (API.md "Campaigns that run themselves"): one per JumpCloud
 * administrator account, with no group. They go to the fallback reviewers whatever the strategy: an
 * administrator account has no manager in JumpCloud, and no group to own or to deal.
 */
@Injectable()
export class AdminReviewItemsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One item per live administrator account of the connection, set-wise from
   * `campaign_admin_account_view`; `membershipSince` is when jumpgate first saw the account.
   */
  async insertAdminItems(
    m: EntityManager,
    s: { campaignId: string; connectionId: string; fallbacks: { id: string; email: string }[] },
  ): Promise<number> {
    const [{ n }] = await m.query<{ n: number }[]>(
      `WITH ins AS (
         INSERT INTO review_items (campaign_id, connection_id, account_id, group_id, account_email,
           account_display_name, account_kind, account_state, is_administrator, group_name,
           membership_method, applications, membership_since, reviewer_id, admin_roles, recommendation,
           recommendation_reason)
         SELECT $1, a.connection_id, a.id, NULL, a.email, a.display_name, 'admin', a.state, true, NULL, NULL,
           '[]'::jsonb, a.created_at, ${FALLBACK_REVIEWER}, a.admin_roles,
           CASE WHEN a.state = 'SUSPENDED' THEN 'revoke' END,
           CASE WHEN a.state = 'SUSPENDED' THEN 'The administrator account is suspended' END
         FROM campaign_admin_account_view a WHERE a.connection_id = $4
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [s.campaignId, s.fallbacks.map((f) => f.id), s.fallbacks.map((f) => f.email), s.connectionId],
    );
    return n;
  }

  /** What insertAdminItems would insert, per reviewer (null: no fallback may take it), writing nothing. */
  async previewCounts(
    connectionId: string,
    fallbacks: { id: string; email: string }[],
  ): Promise<{ reviewer_id: string | null; items: number }[]> {
    return this.dataSource.query<{ reviewer_id: string | null; items: number }[]>(
      `SELECT r.reviewer_id, count(*)::int AS items
       FROM (SELECT ${FALLBACK_REVIEWER} AS reviewer_id FROM campaign_admin_account_view a
             WHERE a.connection_id = $1) r
       GROUP BY r.reviewer_id`,
      [connectionId, fallbacks.map((f) => f.id), fallbacks.map((f) => f.email)],
    );
  }

  /**
   * Billing administrators of the campaign still kept or pending, leaving out `excluding` (the items
   * about to be revoked). Serialised per campaign by a transaction-scoped advisory lock, so two
   * reviewers revoking the last two at once cannot both pass: the second counts after the first commits.
   */
  async billingAdminsKeptOrPending(
    m: EntityManager,
    campaignId: string,
    excluding: string[],
  ): Promise<number> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('campaigns.last-administrator.' || $1))`, [
      campaignId,
    ]);
    const [{ n }] = await m.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM review_items
       WHERE campaign_id = $1 AND group_id IS NULL AND $2 = ANY(admin_roles)
         AND (status = 'pending' OR (status = 'decided' AND decision = 'keep'))
         AND id <> ALL($3::uuid[])`,
      [campaignId, BILLING_ADMIN_ROLE, excluding],
    );
    return n;
  }
}

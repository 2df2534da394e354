import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { STANDING_CAMPAIGN_NAMES, type StandingPurpose } from '../platform/standing-reviews';

/** One item to write: the event's key, the membership, why, and who reviews it. */
export interface StandingItemInput {
  key: string;
  accountId: string;
  groupId: string;
  grantId: string | null;
  reason: string;
  reviewerId: string | null;
}

const DESCRIPTIONS: Record<StandingPurpose, string> = {
  break_glass: 'Every break-glass use, reviewed after the fact. Never due; a revoke is remediated at once.',
  drift:
    'Memberships added outside jumpgate, sent for review by the group policy. Never due; a revoke is remediated at once.',
};

/** The SQL of standing campaigns: the campaign made on first use, and its items one event at a time. */
@Injectable()
export class StandingItemsRepository {
  /**
   * The connection's standing campaign for the purpose, created when there is none. Two events at once
   * both insert; the unique index (campaigns_standing_uq) makes the second wait for the first and then
   * do nothing, and the SELECT after it (a new snapshot) finds the winner's row.
   */
  async ensureCampaign(
    m: EntityManager,
    connectionId: string,
    purpose: StandingPurpose,
  ): Promise<{ id: string; created: boolean }> {
    const [inserted] = await m.query<{ id: string }[]>(
      `INSERT INTO campaigns (connection_id, name, description, kind, purpose, status, reviewer_strategy,
         fallback_reviewer_ids, due_at, default_decision, auto_remediate, launched_at)
       VALUES ($1, $2, $3, 'standing', $4, 'active', 'group_owner', '{}', NULL, 'none', true, clock_timestamp())
       ON CONFLICT (connection_id, purpose) WHERE kind = 'standing' DO NOTHING RETURNING id`,
      [connectionId, STANDING_CAMPAIGN_NAMES[purpose], DESCRIPTIONS[purpose], purpose],
    );
    if (inserted) return { id: inserted.id, created: true };
    const [existing] = await m.query<{ id: string }[]>(
      `SELECT id FROM campaigns WHERE connection_id = $1 AND purpose = $2 AND kind = 'standing'`,
      [connectionId, purpose],
    );
    return { id: existing.id, created: false };
  }

  /** The live accounts' emails (the reviewer rule compares them), in the caller's transaction. */
  async accountEmails(m: EntityManager, accountIds: string[]): Promise<Map<string, string | null>> {
    const rows = await m.query<{ id: string; email: string | null }[]>(
      `SELECT id, email FROM campaign_subject_account_view WHERE id = ANY($1::uuid[])`,
      [accountIds],
    );
    return new Map(rows.map((r) => [r.id, r.email]));
  }

  /** Each group's owners in the policy's order (no policy: none). */
  async ownersOf(m: EntityManager, groupIds: string[]): Promise<Map<string, string[]>> {
    const rows = await m.query<{ group_id: string; owner_ids: string[] }[]>(
      `SELECT group_id, owner_ids FROM campaign_group_owner_view WHERE group_id = ANY($1::uuid[])`,
      [groupIds],
    );
    return new Map(rows.map((r) => [r.group_id, r.owner_ids]));
  }

  /**
   * Snapshots each membership into an item of the campaign, as a launch does (account, manager,
   * administrator, group, applications, since, the grant behind it), set-wise. A key already there
   * adds nothing; an account or group that no longer exists (or is of another connection) is
   * skipped. Returns the item id of every key that has one, new or old, and which keys are new.
   */
  async insertItems(
    m: EntityManager,
    campaignId: string,
    connectionId: string,
    items: StandingItemInput[],
  ): Promise<{ ids: Map<string, string>; created: Set<string> }> {
    const inserted = await m.query<{ id: string; standing_key: string }[]>(
      `WITH r AS (
         SELECT * FROM unnest($3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::uuid[])
           AS r(key, account_id, group_id, grant_id, reason, reviewer_id)),
       admins AS (
         SELECT DISTINCT lower(email) AS email FROM campaign_account_view
         WHERE connection_id = $2 AND kind = 'admin' AND email IS NOT NULL),
       apps AS (
         SELECT group_id, jsonb_agg(jsonb_build_object('id', application_id, 'name', application_name)
                  ORDER BY application_name, application_id) AS list
         FROM campaign_group_application_view WHERE connection_id = $2 AND group_id IN (SELECT group_id FROM r)
         GROUP BY group_id)
       INSERT INTO review_items (campaign_id, connection_id, account_id, group_id, account_email,
         account_display_name, account_kind, account_state, department, job_title, manager_account_id,
         manager_display_name, is_administrator, group_name, membership_method, applications,
         membership_since, grant_id, reviewer_id, recommendation, recommendation_reason, standing_key)
       SELECT $1, $2, a.id, g.id, a.email, a.display_name, a.kind, a.state, a.department, a.job_title,
         a.manager_account_id, a.manager_display_name, adm.email IS NOT NULL, g.name, g.membership_method,
         COALESCE(apps.list, '[]'::jsonb),
         -- A break-glass grant's add may not have landed (nor been synced) yet: the event is its start.
         COALESCE(v.since, clock_timestamp()), COALESCE(r.grant_id, gr.grant_id), r.reviewer_id,
         'review', r.reason, r.key
       FROM r
       JOIN campaign_subject_account_view a ON a.id = r.account_id AND a.connection_id = $2
       JOIN campaign_subject_group_view g ON g.id = r.group_id AND g.connection_id = $2
       LEFT JOIN directory_membership_view v ON v.group_id = g.id AND v.account_id = a.id
       LEFT JOIN admins adm ON adm.email = lower(a.email)
       LEFT JOIN apps ON apps.group_id = g.id
       LEFT JOIN campaign_active_grant_view gr ON gr.group_id = g.id AND gr.account_id = a.id
       ON CONFLICT (campaign_id, standing_key) WHERE standing_key IS NOT NULL DO NOTHING
       RETURNING id, standing_key`,
      [
        campaignId,
        connectionId,
        items.map((i) => i.key),
        items.map((i) => i.accountId),
        items.map((i) => i.groupId),
        items.map((i) => i.grantId),
        items.map((i) => i.reason),
        items.map((i) => i.reviewerId),
      ],
    );
    const ids = new Map(inserted.map((r) => [r.standing_key, r.id]));
    const created = new Set(ids.keys());
    const missing = items.map((i) => i.key).filter((k) => !ids.has(k));
    if (missing.length > 0) {
      const old = await m.query<{ id: string; standing_key: string }[]>(
        `SELECT id, standing_key FROM review_items WHERE campaign_id = $1 AND standing_key = ANY($2::text[])`,
        [campaignId, missing],
      );
      for (const r of old) ids.set(r.standing_key, r.id);
    }
    return { ids, created };
  }
}

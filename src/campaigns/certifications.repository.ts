import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';

/**
 * The certification in force for the membership `v` (a row of directory_membership_view), as a join
 * condition on `certifications ce`: live (not superseded, not ended by a removal) and made for this very
 * membership (same `since`: a membership removed and added again is a new one). Validity in time
 * (`certified_until`) is the caller's to add. One definition for launch, listing and the report.
 */
export const certificationOfMembership = (v: string, ce = 'ce'): string =>
  `${ce}.group_id = ${v}.group_id AND ${ce}.account_id = ${v}.account_id AND ${ce}.ended_at IS NULL
   AND ${ce}.membership_since = ${v}.since`;

export interface CertificationRow {
  id: string;
  account_id: string;
  group_id: string;
  campaign_id: string;
  reviewer_id: string | null;
  decided_at: Date;
  certified_until: Date;
  created_at: Date;
  ck?: string;
}

/**
 * The certifications a delta campaign `c` (a `campaigns` row) carried: exactly those its launch
 * statement saw in force, whatever was certified or ended since. "Valid at launch" means: written by a
 * transaction its snapshot sees as finished (`created_xid`), not ended by one (`ended_xid`) nor by the
 * launch itself (which ends the certifications of memberships gone from the directory, so each one
 * left stands for a membership the launch saw and did not make an item of), `certified_until` after
 * the launch's `now()`, in its connection and the groups its scope resolved to. Null for a campaign
 * without a snapshot (full, or a delta launched before migration 1764000014100: campaign_carried).
 */
export const carriedBy = (c: string, ce = 'ce'): string =>
  `${ce}.connection_id = ${c}.connection_id
   AND (${c}.carried_group_ids IS NULL OR ${ce}.group_id = ANY (${c}.carried_group_ids))
   AND pg_visible_in_snapshot(${ce}.created_xid, ${c}.carried_snapshot)
   AND (${ce}.ended_xid IS NULL OR (${ce}.ended_xid <> ${c}.carried_xid
        AND NOT pg_visible_in_snapshot(${ce}.ended_xid, ${c}.carried_snapshot)))
   AND ${ce}.certified_until > ${c}.carried_as_of`;

/** SET clause ending a certification: `ended_xid` with `ended_at`, so a launch's snapshot can tell when. */
export const END_CERTIFICATION = (reason: 'superseded' | 'removed'): string =>
  `ended_at = clock_timestamp(), ended_xid = pg_current_xact_id(), end_reason = '${reason}'`;

/** A carried membership as the report prints it: the certifying item's snapshot and what it carries. */
export interface CarriedReportRow {
  certification_id: string;
  account_email: string | null;
  account_display_name: string | null;
  group_name: string;
  applications: { id: string; name: string }[];
  reviewer_id: string | null;
  decided_at: Date;
  certified_until: Date;
  source_campaign_id: string;
}

/** The SQL of `certifications` and of what delta campaigns carried. */
@Injectable()
export class CertificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Certifies kept items until `until`: the certification each membership had is superseded (kept,
   * ended), a new one is written, and the items show the new date. Three set-wise statements in the
   * caller's transaction (a close: every kept item of the campaign; a standing campaign: the items
   * just kept, the latest per membership). Returns how many memberships were certified.
   */
  async certifyKept(
    m: EntityManager,
    which: { campaignId: string } | { itemIds: string[] },
    until: Date,
  ): Promise<number> {
    const [filter, key] =
      'campaignId' in which
        ? ['i.campaign_id = $1', which.campaignId]
        : ['i.id = ANY ($1::uuid[])', which.itemIds];
    // Memberships only: an administrator account (administrators scope, no group) is not certified.
    const kept = `${filter} AND i.status = 'decided' AND i.decision = 'keep' AND i.group_id IS NOT NULL`;
    await m.query(
      `UPDATE certifications ce SET ${END_CERTIFICATION('superseded')}
       FROM review_items i WHERE ${kept}
         AND ce.group_id = i.group_id AND ce.account_id = i.account_id AND ce.ended_at IS NULL`,
      [key],
    );
    // One live certification per membership: a standing campaign may keep one twice in a batch.
    const [{ n }] = await m.query<{ n: number }[]>(
      `WITH ins AS (
         INSERT INTO certifications (connection_id, account_id, group_id, campaign_id, review_item_id, reviewer_id,
           decided_at, certified_until, membership_since, department, manager_account_id)
         SELECT DISTINCT ON (i.group_id, i.account_id) i.connection_id, i.account_id, i.group_id, i.campaign_id, i.id,
           COALESCE(i.decided_by, i.reviewer_id), COALESCE(i.decided_at, clock_timestamp()), $2, i.membership_since,
           i.department, i.manager_account_id
         FROM review_items i WHERE ${kept}
         ORDER BY i.group_id, i.account_id, i.decided_at DESC, i.id
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [key, until.toISOString()],
    );
    await m.query(`UPDATE review_items i SET certified_until = $2 WHERE ${kept}`, [key, until.toISOString()]);
    return n;
  }

  /** The memberships are gone (a sync saw them removed, or a review's removal succeeded): their certifications end. */
  async endForMemberships(
    m: EntityManager,
    pairs: { groupId: string; accountId: string }[],
  ): Promise<number> {
    if (pairs.length === 0) return 0;
    const [{ n }] = await m.query<{ n: number }[]>(
      `WITH ended AS (
         UPDATE certifications ce SET ${END_CERTIFICATION('removed')}
         FROM unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
         WHERE ce.group_id = p.group_id AND ce.account_id = p.account_id AND ce.ended_at IS NULL
         RETURNING 1)
       SELECT count(*)::int AS n FROM ended`,
      [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId)],
    );
    return n;
  }

  /**
   * One page (limit + 1 rows) of the certifications in force (not superseded, membership still there),
   * expired ones included (certified_until says so), in creation order.
   */
  async list(f: { accountId?: string; groupId?: string }, ks: Keyset): Promise<CertificationRow[]> {
    return this.dataSource.query<CertificationRow[]>(
      `SELECT ce.id, ce.account_id, ce.group_id, ce.campaign_id, ce.reviewer_id, ce.decided_at, ce.certified_until,
         ce.created_at, ${cursorKey('ce.created_at')} AS ck
       FROM certifications ce
       WHERE ce.ended_at IS NULL AND ($1::uuid IS NULL OR ce.account_id = $1) AND ($2::uuid IS NULL OR ce.group_id = $2)
         AND EXISTS (SELECT 1 FROM directory_membership_view v WHERE ${certificationOfMembership('v')})
         AND ${ks.after(3, { key: 'ce.created_at', id: 'ce.id' })}
       ORDER BY ce.created_at, ce.id LIMIT $5`,
      [f.accountId ?? null, f.groupId ?? null, ...ks.params],
    );
  }

  /**
   * The report's next batch of a campaign's carried memberships, by certification id: from its launch
   * snapshot (carriedBy), or from campaign_carried for a delta launched before snapshots.
   */
  async carriedReportBatch(campaignId: string, afterId: string, limit: number): Promise<CarriedReportRow[]> {
    return this.dataSource.query<CarriedReportRow[]>(
      `SELECT ce.id AS certification_id, i.account_email, i.account_display_name, i.group_name, i.applications,
         ce.reviewer_id, ce.decided_at, ce.certified_until, ce.campaign_id AS source_campaign_id
       FROM campaigns c
       JOIN certifications ce ON c.carried_snapshot IS NOT NULL AND ${carriedBy('c')}
       JOIN review_items i ON i.id = ce.review_item_id
       WHERE c.id = $1 AND ce.id > $2::uuid
       UNION ALL
       SELECT ce.id, i.account_email, i.account_display_name, i.group_name, i.applications,
         ce.reviewer_id, ce.decided_at, ce.certified_until, ce.campaign_id
       FROM campaign_carried k
       JOIN certifications ce ON ce.id = k.certification_id
       JOIN review_items i ON i.id = ce.review_item_id
       WHERE k.campaign_id = $1 AND k.certification_id > $2::uuid
       ORDER BY 1 LIMIT ${limit}`,
      [campaignId, afterId],
    );
  }
}

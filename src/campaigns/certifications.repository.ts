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

/** The SQL of `certifications` and `campaign_carried`. */
@Injectable()
export class CertificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Certifies every kept item of a closing campaign until `until`: the certification each membership
   * had is superseded (kept, ended), a new one is written, and the items show the new date. Three
   * set-wise statements in the close's transaction. Returns how many memberships were certified.
   */
  async certifyKept(m: EntityManager, campaignId: string, until: Date): Promise<number> {
    const kept = `i.campaign_id = $1 AND i.status = 'decided' AND i.decision = 'keep'`;
    await m.query(
      `UPDATE certifications ce SET ended_at = clock_timestamp(), end_reason = 'superseded'
       FROM review_items i WHERE ${kept}
         AND ce.group_id = i.group_id AND ce.account_id = i.account_id AND ce.ended_at IS NULL`,
      [campaignId],
    );
    const [{ n }] = await m.query<{ n: number }[]>(
      `WITH ins AS (
         INSERT INTO certifications (connection_id, account_id, group_id, campaign_id, review_item_id, reviewer_id,
           decided_at, certified_until, membership_since, department, manager_account_id)
         SELECT i.connection_id, i.account_id, i.group_id, i.campaign_id, i.id, COALESCE(i.decided_by, i.reviewer_id),
           COALESCE(i.decided_at, clock_timestamp()), $2, i.membership_since, i.department, i.manager_account_id
         FROM review_items i WHERE ${kept}
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [campaignId, until.toISOString()],
    );
    await m.query(`UPDATE review_items i SET certified_until = $2 WHERE ${kept}`, [
      campaignId,
      until.toISOString(),
    ]);
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
         UPDATE certifications ce SET ended_at = clock_timestamp(), end_reason = 'removed'
         FROM unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
         WHERE ce.group_id = p.group_id AND ce.account_id = p.account_id AND ce.ended_at IS NULL
         RETURNING 1)
       SELECT count(*)::int AS n FROM ended`,
      [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId)],
    );
    return n;
  }

  /**
   * A delta launch: every membership in scope with a certification still valid is carried (one
   * narrow row each) instead of becoming an item. One INSERT … SELECT. Returns the count.
   */
  async insertCarried(
    m: EntityManager,
    campaignId: string,
    connectionId: string,
    scope: string[] | null,
  ): Promise<number> {
    const [{ n }] = await m.query<{ n: number }[]>(
      `WITH ins AS (
         INSERT INTO campaign_carried (campaign_id, certification_id)
         SELECT $1, ce.id FROM directory_membership_view v
         JOIN certifications ce ON ${certificationOfMembership('v')} AND ce.certified_until > now()
         WHERE v.connection_id = $2 AND ($3::uuid[] IS NULL OR v.group_id = ANY($3::uuid[]))
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [campaignId, connectionId, scope],
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

  /** The report's next batch of a campaign's carried memberships, by certification id. */
  async carriedReportBatch(campaignId: string, afterId: string, limit: number): Promise<CarriedReportRow[]> {
    return this.dataSource.query<CarriedReportRow[]>(
      `SELECT k.certification_id, i.account_email, i.account_display_name, i.group_name, i.applications,
         ce.reviewer_id, ce.decided_at, ce.certified_until, ce.campaign_id AS source_campaign_id
       FROM campaign_carried k
       JOIN certifications ce ON ce.id = k.certification_id
       JOIN review_items i ON i.id = ce.review_item_id
       WHERE k.campaign_id = $1 AND k.certification_id > $2::uuid
       ORDER BY k.certification_id LIMIT ${limit}`,
      [campaignId, afterId],
    );
  }
}

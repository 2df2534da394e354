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

/** What a delta launch stored to list its carried certifications again (migration 1764000014100). */
export interface CarriedDefinition {
  connectionId: string;
  /** pg_snapshot of the launch statement, as text. */
  snapshot: string;
  /** The launch's transaction id (xid8), as text. */
  xid: string;
  asOf: Date;
  /** The groups the scope resolved to; null: every group of the connection. */
  groupIds: string[] | null;
}

/**
 * The certifications a delta campaign carried, as a condition on `certifications ce` over the
 * parameters `$p`.. `$p+4` (carriedParams): exactly those its launch statement saw in force, whatever was
 * certified or ended since. "Valid at launch" means: written by a transaction the launch's snapshot
 * sees as finished (`created_xid`), not ended by one (`ended_xid`) nor by the launch itself (which ends
 * the certifications of memberships gone from the directory, so each one left stands for a membership
 * the launch saw and made no item of), `certified_until` after the launch's `now()`, in its connection
 * and the groups its scope resolved to.
 */
export const carriedBy = (p: number, ce = 'ce'): string =>
  `${ce}.connection_id = $${p} AND ($${p + 4}::uuid[] IS NULL OR ${ce}.group_id = ANY ($${p + 4}::uuid[]))
   AND pg_visible_in_snapshot(${ce}.created_xid, $${p + 1}::pg_snapshot)
   AND (${ce}.ended_xid IS NULL OR (${ce}.ended_xid <> $${p + 2}::xid8
        AND NOT pg_visible_in_snapshot(${ce}.ended_xid, $${p + 1}::pg_snapshot)))
   AND ${ce}.certified_until > $${p + 3}::timestamptz`;

const carriedParams = (d: CarriedDefinition): unknown[] => [
  d.connectionId,
  d.snapshot,
  d.xid,
  d.asOf.toISOString(),
  d.groupIds,
];

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

  /** How a delta campaign's carried memberships are found again; null for one without a snapshot. */
  async carriedDefinition(campaignId: string): Promise<CarriedDefinition | null> {
    const [c] = await this.dataSource.query<
      { connection_id: string; snapshot: string; xid: string; as_of: Date; group_ids: string[] | null }[]
    >(
      `SELECT connection_id, carried_snapshot::text AS snapshot, carried_xid::text AS xid, carried_as_of AS as_of,
         carried_group_ids AS group_ids
       FROM campaigns WHERE id = $1 AND carried_snapshot IS NOT NULL`,
      [campaignId],
    );
    return c
      ? {
          connectionId: c.connection_id,
          snapshot: c.snapshot,
          xid: c.xid,
          asOf: c.as_of,
          groupIds: c.group_ids,
        }
      : null;
  }

  /**
   * The report's next batch of a campaign's carried memberships, by certification id: from its launch
   * snapshot (`def`, carriedBy: a walk of certifications_connection_idx in id order), or from
   * campaign_carried for a delta launched before snapshots (`def` null).
   */
  async carriedReportBatch(
    campaignId: string,
    def: CarriedDefinition | null,
    afterId: string,
    limit: number,
  ): Promise<CarriedReportRow[]> {
    const columns = `ce.id AS certification_id, i.account_email, i.account_display_name, i.group_name,
      i.applications, ce.reviewer_id, ce.decided_at, ce.certified_until, ce.campaign_id AS source_campaign_id`;
    if (def) {
      return this.dataSource.query<CarriedReportRow[]>(
        `SELECT ${columns} FROM certifications ce JOIN review_items i ON i.id = ce.review_item_id
         WHERE ${carriedBy(2)} AND ce.id > $1::uuid
         ORDER BY ce.id LIMIT ${limit}`,
        [afterId, ...carriedParams(def)],
      );
    }
    return this.dataSource.query<CarriedReportRow[]>(
      `SELECT ${columns} FROM campaign_carried k
       JOIN certifications ce ON ce.id = k.certification_id
       JOIN review_items i ON i.id = ce.review_item_id
       WHERE k.campaign_id = $1 AND k.certification_id > $2::uuid
       ORDER BY k.certification_id LIMIT ${limit}`,
      [campaignId, afterId],
    );
  }
}

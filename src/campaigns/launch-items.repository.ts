import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { certificationOfMembership, END_CERTIFICATION } from './certifications.repository';
import { type CampaignMode } from './dto/campaign.dto';
import { recommendationSql } from './recommendation.policy';

/** Who reviews the items of one key (a manager account id or a group id). */
export interface Assignment {
  key: string;
  principalId: string;
  email: string;
}

/** The memberships a launch takes and who reviews them, as ReviewerAssignmentService plans them. */
export interface LaunchScope {
  connectionId: string;
  reviewerStrategy: string;
  /** Group ids in scope, or null for every group of the connection. */
  scope: string[] | null;
  assignments: Assignment[];
  fallbacks: { id: string; email: string }[];
}

/** What a launch snapshots: the campaign's scope and its reviewers. */
export interface LaunchSnapshot extends LaunchScope {
  campaignId: string;
  /** `delta`: only memberships without a certification valid now (the others are carried). */
  mode: CampaignMode;
}

/** What a launch made: its items, and for a delta launch how many memberships it carried instead. */
export interface LaunchCounts {
  items: number;
  carried: number;
}

/** A launch's outcome counted without launching (API.md `POST /campaigns/preview`). */
export interface LaunchPreviewCounts {
  items: number;
  groups: number;
  fallbackItems: number;
  unassignedItems: number;
  byReviewer: { reviewerId: string; items: number }[];
  /** Delta: memberships in scope a launch now would carry (null for a full campaign). */
  carried: number | null;
}

/** The eight parameters scopedMemberships reads, from its first index on. */
function scopeParams(s: LaunchScope): unknown[] {
  return [
    s.connectionId,
    s.assignments.map((a) => a.key),
    s.assignments.map((a) => a.principalId),
    s.assignments.map((a) => a.email),
    s.fallbacks.map((f) => f.id),
    s.fallbacks.map((f) => f.email),
    s.reviewerStrategy,
    s.scope,
  ];
}

/**
 * The memberships in scope (`v`) with the reviewer each gets, as SQL pieces over the parameters
 * scopeParams gives from `$p` on. One definition for the launch's INSERT and the preview's counts, so a
 * preview assigns exactly as the launch will: the assigned reviewer (`primary`) unless it has the
 * member's email, else the first fallback reviewer who is not the member (ARCHITECTURE.md rule 4).
 */
function scopedMemberships(
  p: number,
  source = 'directory_membership_view',
): { from: string; where: string; primary: string; reviewer: string } {
  const $ = (i: number): string => `$${p + i}`;
  const primary = `CASE WHEN lower(r.email) IS DISTINCT FROM lower(v.email) THEN r.principal_id END`;
  return {
    from: `${source} v
       LEFT JOIN unnest(${$(1)}::uuid[], ${$(2)}::uuid[], ${$(3)}::text[]) AS r(key, principal_id, email)
         ON r.key = CASE WHEN ${$(6)} = 'manager' THEN v.manager_account_id ELSE v.group_id END`,
    where: `v.connection_id = ${$(0)} AND (${$(7)}::uuid[] IS NULL OR v.group_id = ANY(${$(7)}::uuid[]))`,
    primary,
    reviewer: `COALESCE(${primary},
       (SELECT f.id FROM unnest(${$(4)}::uuid[], ${$(5)}::text[]) WITH ORDINALITY AS f(id, email, ord)
        WHERE lower(f.email) IS DISTINCT FROM lower(v.email) ORDER BY f.ord LIMIT 1))`,
  };
}

/** The launch snapshot of `review_items` and its preview. */
@Injectable()
export class LaunchItemsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Snapshots every membership in scope into review items with one INSERT … SELECT over
   * `directory_membership_view`, each with its reviewer (API.md strategies), the certification in force
   * (`ce`: its date, and what it certified for the recommendations), and for the inactivity
   * recommendation the group's applications (`apps`), the campaign's window and the connection's
   * activity (`act`, no `covered_from` when activity cannot be trusted), and which memberships saw a
   * sign-in to one of their group's applications within it (`recent`, from the few sign-in rows, so
   * the million memberships only meet it in a hash join).
   *
   * A delta launch makes items only of the memberships without a valid certification and writes
   * nothing per carried membership, in the same statement (so under one snapshot): `j` is the one pass
   * over the memberships and the live certifications in scope (a full join, kept small by leaving out
   * the carried pairs at once), so the reviewers, managers and applications are joined to the changed
   * memberships only; the certifications `j` finds without their membership are ended (a sync ends
   * them from an event after its commit, which may be late or lost); the carried ones are counted; and
   * the campaign stores what certifications.repository.ts `carriedBy` needs to list them again,
   * exactly, later: the statement's snapshot, transaction, `now()` and scope.
   */
  async insertLaunchItems(m: EntityManager, s: LaunchSnapshot): Promise<LaunchCounts> {
    const delta = s.mode === 'delta';
    const v = scopedMemberships(2, delta ? 'j' : 'directory_membership_view');
    const rec = recommendationSql();
    // $2 the connection and $9 the groups in scope (scopeParams), also the carried certifications' scope.
    const inScope = (t: string) =>
      `${t}.connection_id = $2 AND ($9::uuid[] IS NULL OR ${t}.group_id = ANY ($9::uuid[]))`;
    const deltaPass = `
       j AS MATERIALIZED (
         SELECT mv.*, lc.id AS ce_id, lc.certified_until AS ce_certified_until, lc.department AS ce_department,
           lc.manager_account_id AS ce_manager_account_id
         FROM (SELECT * FROM directory_membership_view mv WHERE ${inScope('mv')}) mv
         FULL JOIN (SELECT * FROM certifications lc WHERE ${inScope('lc')} AND lc.ended_at IS NULL) lc
           ON lc.group_id = mv.group_id AND lc.account_id = mv.account_id AND lc.membership_since = mv.since
         WHERE mv.group_id IS NULL OR lc.id IS NULL OR lc.certified_until <= now()),`;
    const deltaCtes = `,
       stale AS (
         UPDATE certifications ce SET ${END_CERTIFICATION('removed')}
         WHERE ce.id = ANY ((SELECT array_agg(j.ce_id) FROM j WHERE j.group_id IS NULL)::uuid[])
         RETURNING ce.certified_until),
       valid AS (
         SELECT count(*)::int AS n FROM certifications ce
         WHERE ${inScope('ce')} AND ce.ended_at IS NULL AND ce.certified_until > now()),
       marked AS (
         UPDATE campaigns SET carried_snapshot = pg_current_snapshot(), carried_xid = pg_current_xact_id(),
           carried_as_of = now(), carried_group_ids = $9::uuid[],
           carried_count = (SELECT n FROM valid) - (SELECT count(*) FROM stale WHERE certified_until > now())
         WHERE id = $1
         RETURNING carried_count)`;
    // The planner cannot estimate `j` (it guesses one row) and would join it by nested loops, fine for
    // the usual 1% but not for a first delta where every membership is new: hash joins stay linear.
    if (delta) await m.query(`SET LOCAL enable_nestloop = off`);
    // No ON CONFLICT: the view gives each membership once (its primary key) and this transaction, under
    // the campaign's row lock, is the only launch. A speculative insert per row made a launch of
    // 1,000,000 items 13.4 s instead of 10.3 s (bench:campaign, one pair of runs).
    const [counts] = await m.query<LaunchCounts[]>(
      `WITH ${delta ? deltaPass : ''}
       admins AS (
         SELECT DISTINCT lower(email) AS email FROM campaign_account_view
         WHERE connection_id = $2 AND kind = 'admin' AND email IS NOT NULL),
       apps AS (
         SELECT group_id, jsonb_agg(jsonb_build_object('id', application_id, 'name', application_name)
                  ORDER BY application_name, application_id) AS list,
           array_agg(application_name ORDER BY application_name, application_id) AS names
         FROM campaign_group_application_view WHERE connection_id = $2 GROUP BY group_id),
       act AS (
         SELECT c.inactive_days AS days, w.covered_from FROM campaigns c
         LEFT JOIN directory_activity_watch_view w ON w.connection_id = c.connection_id
         WHERE c.id = $1),
       recent AS (
         SELECT DISTINCT s.account_id, ga.group_id
         FROM act, directory_sign_in_view s
         JOIN campaign_group_application_view ga ON ga.application_id = s.application_id
         WHERE act.covered_from IS NOT NULL AND s.connection_id = $2 AND ga.connection_id = $2
           AND s.last_sign_in_at > now() - act.days * interval '1 day'),
       ins AS (
         INSERT INTO review_items (campaign_id, connection_id, account_id, group_id, account_email,
           account_display_name, account_kind, account_state, department, job_title, manager_account_id,
           manager_display_name, is_administrator, group_name, membership_method, applications,
           membership_since, grant_id, reviewer_id, recommendation, recommendation_reason, certified_until,
           mfa_configured)
         SELECT $1, v.connection_id, v.account_id, v.group_id, v.email, v.display_name, v.kind, v.state,
           v.department, v.job_title, v.manager_account_id, mgr.display_name, adm.email IS NOT NULL,
           v.group_name, v.membership_method, COALESCE(apps.list, '[]'::jsonb), v.since, gr.grant_id,
           ${v.reviewer}, ${rec.value}, ${rec.reason}, ce.certified_until, v.mfa_configured
         FROM ${v.from}
         LEFT JOIN campaign_account_view mgr ON mgr.id = v.manager_account_id
         LEFT JOIN admins adm ON adm.email = lower(v.email)
         LEFT JOIN apps ON apps.group_id = v.group_id
         CROSS JOIN act
         LEFT JOIN recent ap ON ap.account_id = v.account_id AND ap.group_id = v.group_id
         LEFT JOIN campaign_active_grant_view gr ON gr.group_id = v.group_id AND gr.account_id = v.account_id
         ${
           delta
             ? `CROSS JOIN LATERAL (SELECT v.ce_id AS id, v.ce_certified_until AS certified_until,
                  v.ce_department AS department, v.ce_manager_account_id AS manager_account_id) ce`
             : `LEFT JOIN certifications ce ON ${certificationOfMembership('v')}`
         }
         WHERE ${v.where}
         RETURNING 1)${delta ? deltaCtes : ''}
       SELECT (SELECT count(*) FROM ins)::int AS items,
         ${delta ? '(SELECT carried_count FROM marked)' : '0'} AS carried`,
      [s.campaignId, ...scopeParams(s)],
    );
    if (delta) await m.query(`RESET enable_nestloop`);
    return counts;
  }

  /**
   * What insertLaunchItems would insert, counted per reviewer in one statement and writing nothing:
   * the grouping set `()` is the whole scope (its items and distinct groups). A delta preview leaves
   * out, and counts in a second statement, the memberships whose certification is valid now, as the
   * launch does.
   */
  async previewCounts(s: LaunchScope, mode: CampaignMode): Promise<LaunchPreviewCounts> {
    const v = scopedMemberships(1);
    const delta = mode === 'delta';
    const certified = `JOIN certifications ce ON ${certificationOfMembership('v')} AND ce.certified_until > now()`;
    const rows = await this.dataSource.query<
      {
        whole: boolean;
        reviewer_id: string | null;
        items: number;
        groups: number;
        fallback: number;
        unassigned: number;
      }[]
    >(
      `SELECT GROUPING(x.reviewer_id) = 1 AS whole, x.reviewer_id, count(*)::int AS items,
         count(DISTINCT x.group_id)::int AS groups,
         count(*) FILTER (WHERE x.primary_id IS NULL AND x.reviewer_id IS NOT NULL)::int AS fallback,
         count(*) FILTER (WHERE x.reviewer_id IS NULL)::int AS unassigned
       FROM (SELECT v.group_id, ${v.primary} AS primary_id, ${v.reviewer} AS reviewer_id
             FROM ${v.from} WHERE ${v.where}
             ${delta ? `AND NOT EXISTS (SELECT 1 FROM certifications ce WHERE ${certificationOfMembership('v')} AND ce.certified_until > now())` : ''}) x
       GROUP BY GROUPING SETS ((x.reviewer_id), ())`,
      scopeParams(s),
    );
    const whole = rows.find((r) => r.whole);
    const carried = delta
      ? (
          await this.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM directory_membership_view v ${certified}
             WHERE v.connection_id = $1 AND ($2::uuid[] IS NULL OR v.group_id = ANY ($2::uuid[]))`,
            [s.connectionId, s.scope],
          )
        )[0].n
      : null;
    return {
      carried,
      items: whole?.items ?? 0,
      groups: whole?.groups ?? 0,
      fallbackItems: whole?.fallback ?? 0,
      unassignedItems: whole?.unassigned ?? 0,
      byReviewer: rows
        .filter((r): r is typeof r & { reviewer_id: string } => !r.whole && r.reviewer_id !== null)
        .map((r) => ({ reviewerId: r.reviewer_id, items: r.items })),
    };
  }

  /**
   * Until autovacuum gets to it (a minute or more), the planner takes a first campaign's items for a
   * handful of rows and answers /reviews by sorting all of a reviewer's items instead of walking
   * review_items_reviewer_idx: ~50 times slower. ANALYZE counts this transaction's own inserts,
   * and its statistics become visible with the items themselves, before anyone can see `active`.
   * Through the owner's function: the server's role may not ANALYZE (migration 1764000009100).
   */
  async analyze(m: EntityManager): Promise<void> {
    await m.query(`SELECT jumpgate_analyze('review_items')`);
  }

  async launchStats(
    m: EntityManager,
    campaignId: string,
  ): Promise<{ reviewers: number; unassigned: number; groups: number }> {
    const [stats] = await m.query<{ reviewers: number; unassigned: number; groups: number }[]>(
      `SELECT count(DISTINCT reviewer_id)::int AS reviewers, count(*) FILTER (WHERE reviewer_id IS NULL)::int AS unassigned,
         count(DISTINCT group_id)::int AS groups
       FROM review_items WHERE campaign_id = $1`,
      [campaignId],
    );
    return stats;
  }
}

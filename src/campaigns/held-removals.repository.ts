import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { affected } from '../platform/database/sql';
import { type DefaultDecision } from './dto/campaign.dto';
import { type CampaignRow } from './dto/campaign.mapper';

/** A campaign's caps as the plan reads them. */
export type CapsOf = Pick<
  CampaignRow,
  | 'id'
  | 'status'
  | 'default_decision'
  | 'auto_remediate'
  | 'max_revoke_share_per_group'
  | 'max_revokes_per_close'
>;

/** One group of the remediation preview, counted in the database. */
export interface PreviewGroupRow {
  group_id: string;
  name: string;
  member_count: number;
  removals: number;
  held: number;
  applications: { id: string; name: string }[];
  /** Removals whose member's email is also a JumpCloud administrator. */
  administrators: { accountId: string; email: string | null }[];
}

/** A revoke of the administrators scope (no group): always manual. */
export interface AdminRevokeRow {
  account_id: string;
  account_email: string | null;
  admin_roles: string[];
}

/**
 * The removals of a close (revokes and conversions to just-in-time alike remove the membership) and
 * the ones the caps hold, as one SQL definition for the close and the
 * preview (so a preview holds exactly what the close will). Deterministic: within a group, revokes are
 * taken by the member's email (lower case), then account id; a group gives at most
 * floor(maxRevokeSharePerGroup × its live members); across groups, by group name, then group id, then
 * that order, the first maxRevokesPerClose go out and the rest are held.
 * Parameters: $1 campaign, $2 default decision, $3 share, $4 cap per close, $5 closed (the held are
 * those marked held), $6 autoRemediate (without it nothing goes out, so nothing is held).
 */
const PLANNED = `
  cand AS (
    SELECT i.id, i.group_id, i.group_name, i.account_id, i.account_email, i.is_administrator, i.remediation,
      row_number() OVER (PARTITION BY i.group_id ORDER BY lower(i.account_email), i.account_id) AS rn
    FROM review_items i
    WHERE i.campaign_id = $1 AND i.group_id IS NOT NULL
      AND CASE WHEN $5::boolean THEN i.status = 'decided' AND i.decision IN ('revoke', 'convert_to_jit')
          ELSE i.remediation = 'none' AND ((i.status = 'decided' AND i.decision IN ('revoke', 'convert_to_jit'))
                                           OR (i.status = 'pending' AND $2::text = 'revoke')) END),
  sized AS (
    SELECT c.*, coalesce(g.n, 0) AS member_count,
      -- The epsilon keeps 0.29 × 100 at 29 (binary floating point makes it 28.999…).
      c.rn <= floor($3::float8 * coalesce(g.n, 0) + 1e-9) AS within_group
    FROM cand c
    LEFT JOIN (SELECT v.group_id, count(*)::int AS n FROM directory_membership_view v
               WHERE v.group_id IN (SELECT DISTINCT group_id FROM cand) GROUP BY v.group_id) g
      ON g.group_id = c.group_id),
  planned AS (
    SELECT s.*,
      CASE WHEN $5::boolean THEN s.remediation = 'held'
           WHEN NOT $6::boolean THEN false
           ELSE NOT (s.within_group AND row_number() OVER (PARTITION BY s.within_group
                       ORDER BY s.group_name, s.group_id, s.rn) <= $4::int) END AS held
    FROM sized s)`;

function planParams(c: CapsOf): unknown[] {
  return [
    c.id,
    c.default_decision satisfies DefaultDecision,
    c.max_revoke_share_per_group,
    c.max_revokes_per_close,
    c.status === 'closed',
    c.auto_remediate,
  ];
}

/** The SQL of the caps on a close: the preview's counts, marking the held, and their release. */
@Injectable()
export class HeldRemovalsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Per group: live members, removals, held ones, bound applications, administrator members removed. */
  async previewGroups(c: CapsOf): Promise<PreviewGroupRow[]> {
    return this.dataSource.query<PreviewGroupRow[]>(
      `WITH ${PLANNED}
       SELECT p.group_id, min(p.group_name) AS name, min(p.member_count)::int AS member_count,
         count(*)::int AS removals, count(*) FILTER (WHERE p.held)::int AS held,
         coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.application_id, 'name', a.application_name)
                     ORDER BY a.application_name, a.application_id)
                   FROM campaign_group_application_view a WHERE a.group_id = p.group_id), '[]'::jsonb)
           AS applications,
         coalesce(jsonb_agg(jsonb_build_object('accountId', p.account_id, 'email', p.account_email)
                    ORDER BY p.rn) FILTER (WHERE p.is_administrator), '[]'::jsonb) AS administrators
       FROM planned p GROUP BY p.group_id ORDER BY 2, 1`,
      planParams(c),
    );
  }

  /** Revokes of administrator accounts (decided, or pending under a `revoke` default while open). */
  async adminRevokes(c: CapsOf): Promise<AdminRevokeRow[]> {
    return this.dataSource.query<AdminRevokeRow[]>(
      `SELECT account_id, account_email, coalesce(admin_roles, '{}') AS admin_roles FROM review_items
       WHERE campaign_id = $1 AND group_id IS NULL
         AND ((status = 'decided' AND decision = 'revoke') OR (status = 'pending' AND $2::text = 'revoke'))
       ORDER BY lower(account_email), account_id`,
      [c.id, c.status === 'closed' ? 'none' : c.default_decision],
    );
  }

  /** At close, after the default decisions: the revokes over the caps become `held`. Returns how many. */
  async holdOverCaps(m: EntityManager, c: CapsOf): Promise<number> {
    return affected(
      await m.query(
        `WITH ${PLANNED}
         UPDATE review_items i SET remediation = 'held' FROM planned p WHERE i.id = p.id AND p.held`,
        planParams({ ...c, status: 'closing' }),
      ),
    );
  }

  /**
   * Revokes of administrator accounts are never changed by jumpgate: `manual`, with what a person
   * must do in JumpCloud.
   */
  async setAdminRevokesManual(m: EntityManager, campaignId: string): Promise<number> {
    return affected(
      await m.query(
        `UPDATE review_items SET remediation = 'manual', remediation_note =
           'Remove the JumpCloud administrator ' || coalesce(account_email, account_id::text)
           || coalesce(' (roles: ' || nullif(array_to_string(admin_roles, ', '), '') || ')', '')
           || ' in the JumpCloud Admin Portal (Settings > Administrators), or lower their role: '
           || 'jumpgate never changes JumpCloud administrators.'
         WHERE campaign_id = $1 AND group_id IS NULL AND status = 'decided' AND decision = 'revoke'
           AND remediation = 'none'`,
        [campaignId],
      ),
    );
  }

  /** Held removals go back to `none`, for the close's own enqueueing to take them. Returns how many. */
  async unhold(m: EntityManager, campaignId: string): Promise<number> {
    return affected(
      await m.query(
        `UPDATE review_items SET remediation = 'none' WHERE campaign_id = $1 AND remediation = 'held'`,
        [campaignId],
      ),
    );
  }

  async countHeld(m: EntityManager | null, campaignId: string): Promise<number> {
    const [{ n }] = await (m ?? this.dataSource.manager).query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM review_items WHERE campaign_id = $1 AND remediation = 'held'`,
      [campaignId],
    );
    return n;
  }

  /** Records an admin's approval of the release (once per admin); returns every approval so far. */
  async approve(
    m: EntityManager,
    campaignId: string,
    principalId: string,
  ): Promise<{ principal_id: string; approved_at: Date }[]> {
    await m.query(
      `INSERT INTO campaign_release_approvals (campaign_id, principal_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING`,
      [campaignId, principalId],
    );
    return this.approvals(campaignId, m);
  }

  async approvals(
    campaignId: string,
    m?: EntityManager,
  ): Promise<{ principal_id: string; approved_at: Date }[]> {
    return (m ?? this.dataSource.manager).query<{ principal_id: string; approved_at: Date }[]>(
      `SELECT principal_id, approved_at FROM campaign_release_approvals WHERE campaign_id = $1
       ORDER BY approved_at, principal_id`,
      [campaignId],
    );
  }
}

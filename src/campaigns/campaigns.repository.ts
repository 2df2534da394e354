import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { returned } from '../platform/database/sql';
import { notFound } from '../platform/http/app-error';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import {
  type CampaignProgress,
  type CampaignStatus,
  type CreateCampaignDto,
  DEFAULT_CERTIFICATION_VALID_DAYS,
  DEFAULT_INACTIVE_DAYS,
  DEFAULT_MAX_REVOKE_SHARE_PER_GROUP,
  DEFAULT_MAX_REVOKES_PER_CLOSE,
} from './dto/campaign.dto';
import { type CampaignRow } from './dto/campaign.mapper';
import {
  type ProgressBy,
  type ProgressEntryResponse,
  type ReviewSummaryEntryResponse,
} from './dto/campaign-progress.dto';

/** The values of a new campaign, deduplicated and checked by the service. */
export interface NewCampaign {
  dto: CreateCampaignDto;
  groupIds: string[];
  applicationIds: string[];
  reviewerIds: string[];
  fallbackIds: string[];
  dueAt: Date;
  createdBy: string | null;
}

/** The SQL of the `campaigns` table, and the directory views a launch reads to choose reviewers. */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private db(m?: EntityManager): EntityManager {
    return m ?? this.dataSource.manager;
  }

  async countOpenForConnection(connectionId: string, open: CampaignStatus[]): Promise<number> {
    const [{ n }] = await this.db().query<{ n: number }[]>(
      // A standing campaign is always active: it never holds a connection back.
      `SELECT count(*)::int AS n FROM campaigns
       WHERE connection_id = $1 AND status = ANY($2::text[]) AND kind = 'regular'`,
      [connectionId, open],
    );
    return n;
  }

  async insert(m: EntityManager, c: NewCampaign): Promise<CampaignRow> {
    const [row] = await m.query<CampaignRow[]>(
      `INSERT INTO campaigns (connection_id, name, description, scope_group_ids, scope_application_ids,
         reviewer_strategy, reviewer_ids, fallback_reviewer_ids, due_at, default_decision, auto_remediate, created_by,
         reminder_days_before_due, overdue_every_days, close_after_due_days, escalate_after_days, max_sync_age_hours,
         mode, certification_valid_days, max_revoke_share_per_group, max_revokes_per_close, scope_administrators,
         inactive_days)
       VALUES ($1, $2, $3, $4::uuid[], $5::uuid[], $6, $7::uuid[], $8::uuid[], $9, $10, $11, $12,
         COALESCE($13::float8[], '{7,3,1}'), COALESCE($14::float8, 1), COALESCE($15::float8, 0), COALESCE($16::float8, 3),
         COALESCE($17::float8, 24), $18, $19, $20, $21, $22, $23) RETURNING *`,
      [
        c.dto.connectionId,
        c.dto.name,
        c.dto.description ?? null,
        c.groupIds,
        c.applicationIds,
        c.dto.reviewerStrategy,
        c.reviewerIds,
        c.fallbackIds,
        c.dueAt.toISOString(),
        c.dto.defaultDecision,
        c.dto.autoRemediate,
        c.createdBy,
        c.dto.reminders?.daysBeforeDue ?? null,
        c.dto.reminders?.overdueEveryDays ?? null,
        c.dto.closeAfterDueDays ?? null,
        c.dto.escalateAfterDays ?? null,
        c.dto.maxSyncAgeHours ?? null,
        c.dto.mode ?? 'full',
        c.dto.certificationValidDays ?? DEFAULT_CERTIFICATION_VALID_DAYS,
        c.dto.maxRevokeSharePerGroup ?? DEFAULT_MAX_REVOKE_SHARE_PER_GROUP,
        c.dto.maxRevokesPerClose ?? DEFAULT_MAX_REVOKES_PER_CLOSE,
        c.dto.scope.administrators ?? false,
        c.dto.inactiveDays ?? DEFAULT_INACTIVE_DAYS,
      ],
    );
    return row;
  }

  /** The campaign's name, or null when there is no such campaign. */
  async nameOf(id: string): Promise<{ name: string } | null> {
    const [campaign] = await this.db().query<{ name: string }[]>(`SELECT name FROM campaigns WHERE id = $1`, [
      id,
    ]);
    return campaign ?? null;
  }

  /** One page (limit + 1 rows) in creation order, each with its cursor key `ck`. */
  async list(ks: Keyset): Promise<CampaignRow[]> {
    return this.db().query<CampaignRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM campaigns
       WHERE ${ks.after(1)}
       ORDER BY created_at, id LIMIT $3`,
      ks.params,
    );
  }

  /** The campaign (locked FOR UPDATE with `lock`, inside `m`'s transaction); not_found when there is none. */
  async getById(id: string, m?: EntityManager, lock = false): Promise<CampaignRow> {
    const [c] = await this.db(m).query<CampaignRow[]>(
      `SELECT * FROM campaigns WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    if (!c) throw notFound('Campaign');
    return c;
  }

  /** Each campaign's progress: its items by state, and the memberships a delta launch carried (counted then). */
  async progressOf(ids: string[], m?: EntityManager): Promise<Map<string, CampaignProgress>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db(m).query<(CampaignProgress & { campaign_id: string })[]>(
      `SELECT c.id AS campaign_id, i.total, i.pending, i.kept, i.revoked, i.converted, c.carried_count AS carried, i.expired, i.held,
         i.remediated, i."remediationFailed", i.manual
       FROM campaigns c
       CROSS JOIN LATERAL (SELECT count(*)::int AS total,
         count(*) FILTER (WHERE status = 'pending')::int AS pending,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'keep')::int AS kept,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'revoke')::int AS revoked,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'convert_to_jit')::int AS converted,
         count(*) FILTER (WHERE status = 'expired')::int AS expired,
         count(*) FILTER (WHERE remediation = 'held')::int AS held,
         count(*) FILTER (WHERE remediation = 'done')::int AS remediated,
         count(*) FILTER (WHERE remediation = 'failed')::int AS "remediationFailed",
         count(*) FILTER (WHERE remediation = 'manual')::int AS manual
         FROM review_items WHERE campaign_id = c.id) i
       WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map(({ campaign_id, ...p }) => [
        campaign_id,
        {
          total: p.total,
          pending: p.pending,
          kept: p.kept,
          revoked: p.revoked,
          converted: p.converted,
          carried: p.carried,
          expired: p.expired,
          held: p.held,
          remediated: p.remediated,
          remediationFailed: p.remediationFailed,
          manual: p.manual,
        },
      ]),
    );
  }

  /**
   * A campaign's item counts per reviewer or per group, in one statement (API.md
   * `GET /campaigns/{id}/progress`); a reviewer's name is the service's to add (principals are auth's).
   */
  async progressBy(
    campaignId: string,
    by: ProgressBy,
  ): Promise<(Omit<ProgressEntryResponse, 'key'> & { id: string | null; name: string | null })[]> {
    const key = by === 'group' ? 'group_id' : 'reviewer_id';
    const name = by === 'group' ? 'min(group_name)' : 'NULL::text';
    return this.db().query(
      `SELECT ${key} AS id, ${name} AS name, count(*)::int AS total,
         count(*) FILTER (WHERE status = 'pending')::int AS pending,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'keep')::int AS kept,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'revoke')::int AS revoked,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'convert_to_jit')::int AS converted,
         count(*) FILTER (WHERE status = 'expired')::int AS expired
       FROM review_items WHERE campaign_id = $1 GROUP BY ${key} ORDER BY 2, 1`,
      [campaignId],
    );
  }

  /** A reviewer's item counts per launched campaign, oldest campaign first (API.md `GET /reviews/summary`). */
  async reviewSummary(reviewerId: string): Promise<ReviewSummaryEntryResponse[]> {
    const rows = await this.db().query<
      { id: string; name: string; due_at: Date | null; total: number; pending: number; decided: number }[]
    >(
      // The same campaigns as the reviewer's GET /reviews: launched ones (active, closing, closed).
      `SELECT c.id, c.name, c.due_at, count(*)::int AS total,
         count(*) FILTER (WHERE i.status = 'pending')::int AS pending,
         count(*) FILTER (WHERE i.status = 'decided')::int AS decided
       FROM review_items i JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.reviewer_id = $1 AND c.status IN ('active', 'closing', 'closed')
       GROUP BY c.id ORDER BY c.created_at, c.id`,
      [reviewerId],
    );
    return rows.map((r) => ({
      // A standing campaign (Break-glass reviews, Drift reviews) is never due.
      campaign: { id: r.id, name: r.name, dueAt: r.due_at?.toISOString() ?? null },
      total: r.total,
      pending: r.pending,
      decided: r.decided,
    }));
  }

  /**
   * A state change asked for by a person (`by`); a cancel also closes the campaign. Who asked for a
   * close is kept with it, so a close job that Redis lost and the tick enqueued again still knows it.
   */
  async setStatus(m: EntityManager, id: string, to: CampaignStatus, by: string | null): Promise<CampaignRow> {
    const [updated] = returned<CampaignRow>(
      await m.query(
        `UPDATE campaigns SET status = $2, closed_at = CASE WHEN $2 = 'cancelled' THEN clock_timestamp() ELSE closed_at END,
           closed_by = CASE WHEN $2 = 'closing' THEN $3::uuid ELSE closed_by END
         WHERE id = $1 RETURNING *`,
        [id, to, by],
      ),
    );
    return updated;
  }

  /**
   * Active campaigns past dueAt + closeAfterDueDays start closing; SKIP LOCKED leaves those a person
   * is changing now.
   */
  async startClosingDue(m: EntityManager): Promise<CampaignRow[]> {
    return returned<CampaignRow>(
      await m.query(
        `UPDATE campaigns SET status = 'closing' WHERE id IN
           (SELECT id FROM campaigns WHERE status = 'active'
              AND due_at + make_interval(secs => close_after_due_days * 86400) <= now()
            FOR UPDATE SKIP LOCKED)
         RETURNING *`,
      ),
    );
  }

  /** Campaigns whose launch or close job should be queued or running. */
  async listLaunchingOrClosing(): Promise<{ id: string; status: CampaignStatus }[]> {
    return this.db().query<{ id: string; status: CampaignStatus }[]>(
      `SELECT id, status FROM campaigns WHERE status IN ('launching', 'closing')`,
    );
  }

  // clock_timestamp(): a launch or close is the end of its transaction, not its start (before the work).
  async markActive(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE campaigns SET status = 'active', launched_at = clock_timestamp() WHERE id = $1`, [
      id,
    ]);
  }

  async markClosed(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE campaigns SET status = 'closed', closed_at = clock_timestamp() WHERE id = $1`, [
      id,
    ]);
  }

  // ---------------------------------------------------------------- directory views read by a launch

  /** Groups of the given applications (campaign_group_application_view). */
  async groupIdsOfApplications(connectionId: string, applicationIds: string[]): Promise<string[]> {
    const rows = await this.db().query<{ group_id: string }[]>(
      `SELECT DISTINCT group_id FROM campaign_group_application_view
       WHERE connection_id = $1 AND application_id = ANY($2::uuid[])`,
      [connectionId, applicationIds],
    );
    return rows.map((r) => r.group_id);
  }

  /** Managers (with an email) of members of the groups in scope (null: every group). */
  async managersInScope(
    connectionId: string,
    scope: string[] | null,
  ): Promise<{ id: string; email: string; display_name: string | null }[]> {
    return this.db().query<{ id: string; email: string; display_name: string | null }[]>(
      `SELECT a.id, a.email, a.display_name FROM campaign_account_view a
       WHERE a.email IS NOT NULL AND a.id IN (
         SELECT DISTINCT manager_account_id FROM directory_membership_view v
         WHERE v.connection_id = $1 AND v.manager_account_id IS NOT NULL
           AND ($2::uuid[] IS NULL OR v.group_id = ANY($2::uuid[])))`,
      [connectionId, scope],
    );
  }

  /** Groups in scope (null: every group) that have members, by name. */
  async groupIdsInScope(connectionId: string, scope: string[] | null): Promise<string[]> {
    const rows = await this.db().query<{ group_id: string }[]>(
      `SELECT group_id FROM (SELECT DISTINCT group_id, group_name FROM directory_membership_view v
         WHERE v.connection_id = $1 AND ($2::uuid[] IS NULL OR v.group_id = ANY($2::uuid[]))) g
       ORDER BY group_name, group_id`,
      [connectionId, scope],
    );
    return rows.map((r) => r.group_id);
  }
}

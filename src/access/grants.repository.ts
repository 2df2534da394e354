import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type ReadScope } from './access-visibility';
import { type GrantStatus } from './dto/access.dto';
import { type GrantRow, LIVE_GRANT_STATUSES, type RequestRow } from './dto/access.rows';
import { type GrantOutcome } from './grant-outcome.policy';
import { DEFAULT_WARN_BEFORE_EXPIRY_MINUTES } from './group-policy.policy';

/** One outcome to write: the grant, the operation that settled, and when and why. */
export interface OutcomeWrite {
  grantId: string;
  operationId: string;
  outcome: GrantOutcome;
  at: string;
  reason: string;
}

/** The SQL of `access_grants`. */
@Injectable()
export class GrantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async countLiveInConnection(connectionId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM access_grants WHERE connection_id = $1 AND status = ANY($2::text[])`,
      [connectionId, LIVE_GRANT_STATUSES],
    );
    return n;
  }

  async getByIds(ids: string[]): Promise<GrantRow[]> {
    return this.dataSource.query<GrantRow[]>(`SELECT * FROM access_grants WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async lock(m: EntityManager, id: string): Promise<GrantRow | undefined> {
    const [g] = await m.query<GrantRow[]>(`SELECT * FROM access_grants WHERE id = $1 FOR UPDATE`, [id]);
    return g;
  }

  /** Locks grants in id order (so concurrent settlements cannot deadlock). */
  async lockMany(m: EntityManager, ids: string[]): Promise<GrantRow[]> {
    return m.query<GrantRow[]>(
      `SELECT * FROM access_grants WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
  }

  /** The live grant of an account in a group, locked (at most one exists). */
  async lockLive(m: EntityManager, groupId: string, accountId: string): Promise<GrantRow | null> {
    const [g] = await m.query<GrantRow[]>(
      `SELECT * FROM access_grants WHERE group_id = $1 AND account_id = $2 AND status = ANY($3::text[]) FOR UPDATE`,
      [groupId, accountId, LIVE_GRANT_STATUSES],
    );
    return g ?? null;
  }

  async insert(m: EntityManager, request: RequestRow): Promise<GrantRow> {
    const [grant] = await m.query<GrantRow[]>(
      `INSERT INTO access_grants (request_id, connection_id, account_id, group_id, duration_minutes)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [request.id, request.connection_id, request.account_id, request.group_id, request.duration_minutes],
    );
    return grant;
  }

  /** A grant that waits for its request's scheduled start (no operation yet). */
  async insertScheduled(m: EntityManager, request: RequestRow): Promise<GrantRow> {
    const [grant] = await m.query<GrantRow[]>(
      `INSERT INTO access_grants (request_id, connection_id, account_id, group_id, duration_minutes, status, scheduled_for)
       VALUES ($1, $2, $3, $4, $5, 'scheduled', $6) RETURNING *`,
      [
        request.id,
        request.connection_id,
        request.account_id,
        request.group_id,
        request.duration_minutes,
        request.starts_at,
      ],
    );
    return grant;
  }

  /** Scheduled grants due to start (all, or the given ones), locked, skipping rows in use. */
  async lockDueScheduled(m: EntityManager, grantIds: string[] | null, batch: number): Promise<GrantRow[]> {
    return m.query<GrantRow[]>(
      `SELECT * FROM access_grants WHERE status = 'scheduled' AND scheduled_for <= now()
         AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
       ORDER BY scheduled_for LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [grantIds, batch],
    );
  }

  /** Whether a scheduled grant is due by Postgres's clock, or nearly (undefined: not scheduled). */
  async getStartState(grantId: string): Promise<{ due: boolean; early: boolean } | undefined> {
    const [g] = await this.dataSource.query<{ due: boolean; early: boolean }[]>(
      `SELECT scheduled_for <= now() AS due, scheduled_for < now() + interval '10 seconds' AS early
       FROM access_grants WHERE id = $1 AND status = 'scheduled'`,
      [grantId],
    );
    return g;
  }

  async setStatus(m: EntityManager, id: string, status: 'provisioning'): Promise<void> {
    await m.query(`UPDATE access_grants SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
  }

  /** Ends a scheduled grant that never started (revoked, or no longer eligible): nothing was added. */
  async endScheduled(
    m: EntityManager,
    id: string,
    reason: 'revoked' | 'not_eligible',
    why: string | null,
  ): Promise<GrantRow> {
    const [ended] = returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET status = 'ended', end_reason = $2, ended_at = now(), failure_reason = $3,
           updated_at = now() WHERE id = $1 RETURNING *`,
        [id, reason, why],
      ),
    );
    return ended;
  }

  /** Lengthens a live grant; an active one's expiry moves out, never in. */
  async extend(m: EntityManager, id: string, durationMinutes: number): Promise<GrantRow> {
    const [extended] = returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET duration_minutes = GREATEST(duration_minutes, $2),
           expires_at = CASE WHEN status = 'active' THEN GREATEST(expires_at, now() + make_interval(mins => $2)) END,
           updated_at = now()
         WHERE id = $1 RETURNING *`,
        [id, durationMinutes],
      ),
    );
    return extended;
  }

  async markRevoking(m: EntityManager, id: string): Promise<GrantRow> {
    const [revoking] = returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET status = 'revoking', end_reason = 'revoked', updated_at = now() WHERE id = $1 RETURNING *`,
        [id],
      ),
    );
    return revoking;
  }

  async endActiveAsRevoked(m: EntityManager, ids: string[]): Promise<GrantRow[]> {
    return returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET status = 'ended', end_reason = 'revoked', ended_at = now(), updated_at = now()
         WHERE id = ANY($1::uuid[]) AND status = 'active' RETURNING *`,
        [ids],
      ),
    );
  }

  /** One keyset page (limit + 1 rows) of the grants the scope lets the reader see. */
  async list(
    v: ReadScope,
    f: { status?: GrantStatus; accountId?: string; groupId?: string },
    ks: Keyset,
  ): Promise<GrantRow[]> {
    // v.all is a boolean of ours, never input; $1 and $2 appear in every branch so their types are known.
    const scope = `(${v.all} OR g.account_id = ANY($2::uuid[]) OR g.group_id IN (SELECT group_id FROM access_group_policies p
           WHERE $1::uuid = ANY(COALESCE(p.approver_ids, p.owner_ids))))`;
    return this.dataSource.query<GrantRow[]>(
      `SELECT g.*, ${cursorKey('g.created_at')} AS ck FROM access_grants g
       WHERE ${scope} AND ($3::text IS NULL OR g.status = $3) AND ($4::uuid IS NULL OR g.account_id = $4)
         AND ($5::uuid IS NULL OR g.group_id = $5)
         AND ${ks.after(6, { key: 'g.created_at', id: 'g.id' })}
       ORDER BY g.created_at, g.id LIMIT $8`,
      [v.me, v.accounts, f.status ?? null, f.accountId ?? null, f.groupId ?? null, ...ks.params],
    );
  }

  /** Moves up to `batch` active grants past expiry (all, or the given ones) to `revoking`, skipping rows in use. */
  async startRevokingExpired(
    m: EntityManager,
    grantIds: string[] | null,
    batch: number,
  ): Promise<GrantRow[]> {
    return returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET status = 'revoking', end_reason = 'expired', updated_at = now()
         WHERE id IN (SELECT id FROM access_grants WHERE status = 'active' AND expires_at <= now()
                        AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
                      ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [grantIds, batch],
      ),
    );
  }

  /**
   * Marks up to `batch` active grants inside their policy's warning window (warnBeforeExpiryMinutes,
   * default 10, 0 = none) as warned of the expiry now in force, skipping rows in use; returns them.
   * An extension moves `expires_at` away from `warned_expires_at`, so it is warned of again.
   */
  async markExpiringToWarn(m: EntityManager, batch: number): Promise<GrantRow[]> {
    return returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET warned_expires_at = expires_at
         WHERE id IN (SELECT g.id FROM access_grants g
                        LEFT JOIN access_group_policies p ON p.group_id = g.group_id
                      WHERE g.status = 'active' AND g.expires_at > now()
                        AND g.warned_expires_at IS DISTINCT FROM g.expires_at
                        AND COALESCE(p.warn_before_expiry_minutes, $2) > 0
                        AND g.expires_at <= now() + make_interval(mins => COALESCE(p.warn_before_expiry_minutes, $2))
                      ORDER BY g.expires_at LIMIT $1 FOR UPDATE OF g SKIP LOCKED)
         RETURNING *`,
        [batch, DEFAULT_WARN_BEFORE_EXPIRY_MINUTES],
      ),
    );
  }

  /**
   * Whether each of these active grants is due by Postgres's clock, or nearly (a grant not active is
   * absent), in one read for the expiry jobs that fire together.
   */
  async getExpiryStates(grantIds: string[]): Promise<Map<string, { due: boolean; early: boolean }>> {
    const rows = await this.dataSource.query<{ id: string; due: boolean; early: boolean }[]>(
      `SELECT id, expires_at <= now() AS due, expires_at < now() + interval '10 seconds' AS early
       FROM access_grants WHERE id = ANY($1::uuid[]) AND status = 'active'`,
      [grantIds],
    );
    return new Map(rows.map((r) => [r.id, { due: r.due, early: r.early }]));
  }

  /** Applies settled operations' outcomes set-wise (a grant at most once per call); returns rows with their op id. */
  async applyOutcomes(m: EntityManager, moves: OutcomeWrite[]): Promise<(GrantRow & { op_id: string })[]> {
    return returned<GrantRow & { op_id: string }>(
      await m.query(
        `UPDATE access_grants g SET
           status = CASE s.outcome WHEN 'activated' THEN 'active' WHEN 'failed' THEN 'failed'
                                   WHEN 'revoke_failed' THEN g.status ELSE 'ended' END,
           end_reason = CASE WHEN s.outcome = 'already_member' THEN 'already_member' ELSE g.end_reason END,
           starts_at = CASE WHEN s.outcome = 'activated' THEN s.at ELSE g.starts_at END,
           expires_at = CASE WHEN s.outcome = 'activated' THEN s.at + make_interval(mins => g.duration_minutes)
                             ELSE g.expires_at END,
           ended_at = CASE s.outcome WHEN 'failed' THEN now() WHEN 'activated' THEN g.ended_at
                                     WHEN 'revoke_failed' THEN g.ended_at ELSE s.at END,
           failure_reason = CASE s.outcome WHEN 'activated' THEN g.failure_reason
                                           WHEN 'failed' THEN s.reason WHEN 'revoke_failed' THEN s.reason
                                           ELSE NULL END,
           updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[])
              AS s(grant_id, op_id, outcome, at, reason)
         WHERE g.id = s.grant_id
         RETURNING g.*, s.op_id`,
        [
          moves.map((x) => x.grantId),
          moves.map((x) => x.operationId),
          moves.map((x) => x.outcome),
          moves.map((x) => x.at),
          moves.map((x) => x.reason),
        ],
      ),
    );
  }

  /** Locks grants, each with whether another live grant of its account and group exists. */
  async lockWithLiveOther(m: EntityManager, ids: string[]): Promise<(GrantRow & { live_other: boolean })[]> {
    return m.query<(GrantRow & { live_other: boolean })[]>(
      `SELECT g.*, EXISTS (SELECT 1 FROM access_grants o WHERE o.group_id = g.group_id AND o.account_id = g.account_id
                             AND o.id <> g.id AND o.status = ANY($2::text[])) AS live_other
       FROM access_grants g WHERE g.id = ANY($1::uuid[]) ORDER BY g.id FOR UPDATE OF g`,
      [ids, LIVE_GRANT_STATUSES],
    );
  }

  /**
   * Active grants of these memberships that started before `startedAt` (a sync's start) end
   * `removed_outside`: a later add is simply not in that sync's listing.
   */
  async endRemovedOutside(
    m: EntityManager,
    pairs: { groupId: string; accountId: string }[],
    startedAt: string,
  ): Promise<GrantRow[]> {
    return returned<GrantRow>(
      await m.query(
        `UPDATE access_grants g SET status = 'ended', end_reason = 'removed_outside', ended_at = now(), updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
         WHERE g.group_id = p.group_id AND g.account_id = p.account_id AND g.status = 'active'
           AND g.starts_at < COALESCE($3::timestamptz, now())
         RETURNING g.*`,
        [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId), startedAt],
      ),
    );
  }
}

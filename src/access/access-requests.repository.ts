import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type ReadScope } from './access-visibility';
import { type RequestStatus } from './dto/access.dto';
import { type ApprovalRow, type RequestRow } from './dto/access.rows';

export type RequestListScope = 'mine' | 'to_approve' | 'all';

/** The SQL of `access_requests` and `access_request_approvals`. */
@Injectable()
export class AccessRequestsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(id: string): Promise<RequestRow | undefined> {
    const [row] = await this.dataSource.query<RequestRow[]>(`SELECT * FROM access_requests WHERE id = $1`, [
      id,
    ]);
    return row;
  }

  /** Each request's requester, set-wise (by request id). */
  async getRequesterIds(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<{ id: string; requester_id: string }[]>(
      `SELECT id, requester_id FROM access_requests WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.requester_id]));
  }

  async lock(m: EntityManager, id: string): Promise<RequestRow | undefined> {
    const [req] = await m.query<RequestRow[]>(`SELECT * FROM access_requests WHERE id = $1 FOR UPDATE`, [id]);
    return req;
  }

  /** Throws Postgres's unique violation when a request of the account and group is already pending. */
  async insert(
    m: EntityManager,
    r: Pick<
      RequestRow,
      | 'connection_id'
      | 'group_id'
      | 'account_id'
      | 'requester_id'
      | 'duration_minutes'
      | 'justification'
      | 'approval_steps'
      | 'starts_at'
      | 'break_glass'
    >,
    ttlHours: number,
  ): Promise<RequestRow> {
    const [created] = await m.query<RequestRow[]>(
      `INSERT INTO access_requests (connection_id, group_id, account_id, requester_id, duration_minutes, justification,
         approval_steps, expires_at, starts_at, break_glass)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, clock_timestamp() + make_interval(secs => $8::float8 * 3600), $9, $10)
       RETURNING *`,
      [
        r.connection_id,
        r.group_id,
        r.account_id,
        r.requester_id,
        r.duration_minutes,
        r.justification,
        JSON.stringify(r.approval_steps),
        ttlHours,
        r.starts_at,
        r.break_glass,
      ],
    );
    return created;
  }

  /** A person's decision on a step (one per person and request: it counts for one step only). */
  async recordDecision(
    m: EntityManager,
    id: string,
    approverId: string,
    decision: 'approve' | 'deny',
    step: number,
    comment: string | null,
  ): Promise<void> {
    await m.query(
      `INSERT INTO access_request_approvals (request_id, approver_id, decision, step, comment) VALUES ($1, $2, $3, $4, $5)`,
      [id, approverId, decision, step, comment],
    );
  }

  /** A step passed without a person (a manager step with no manager) and why. */
  async recordSkipped(m: EntityManager, id: string, step: number, comment: string): Promise<void> {
    await m.query(
      `INSERT INTO access_request_approvals (request_id, approver_id, decision, step, comment) VALUES ($1, NULL, 'skipped', $2, $3)`,
      [id, step, comment],
    );
  }

  /** The approvals of a request by step (skipped steps and rules are not approvals of a person). */
  async getStepRecords(
    m: EntityManager,
    id: string,
  ): Promise<{ approvals: Map<number, number>; skipped: Set<number>; deciders: Set<string> }> {
    const rows = await m.query<{ step: number | null; decision: string; approver_id: string | null }[]>(
      `SELECT step, decision, approver_id FROM access_request_approvals WHERE request_id = $1`,
      [id],
    );
    const approvals = new Map<number, number>();
    const skipped = new Set<number>();
    const deciders = new Set<string>();
    for (const r of rows) {
      if (r.approver_id) deciders.add(r.approver_id);
      if (r.step === null) continue;
      if (r.decision === 'skipped') skipped.add(r.step);
      if (r.decision === 'approve' && r.approver_id) approvals.set(r.step, (approvals.get(r.step) ?? 0) + 1);
    }
    return { approvals, skipped, deciders };
  }

  async markApproved(m: EntityManager, id: string, grantId: string): Promise<RequestRow> {
    const [approved] = returned<RequestRow>(
      await m.query(
        `UPDATE access_requests SET status = 'approved', decided_at = now(), grant_id = $2 WHERE id = $1 RETURNING *`,
        [id, grantId],
      ),
    );
    return approved;
  }

  /** Ends a pending request without a grant (`denied` by an approver, `cancelled` by its requester). */
  async markClosed(m: EntityManager, id: string, status: 'denied' | 'cancelled'): Promise<RequestRow> {
    const [closed] = returned<RequestRow>(
      await m.query(`UPDATE access_requests SET status = $2, decided_at = now() WHERE id = $1 RETURNING *`, [
        id,
        status,
      ]),
    );
    return closed;
  }

  /** Pending requests past their `expires_at` end `expired`, up to 1000 per call, skipping rows in use. */
  async expireStale(m: EntityManager): Promise<RequestRow[]> {
    return returned<RequestRow>(
      await m.query(
        `UPDATE access_requests SET status = 'expired', decided_at = now()
         WHERE id IN (SELECT id FROM access_requests WHERE status = 'pending' AND expires_at <= now()
                      ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
      ),
    );
  }

  /** Whether this person used break-glass for this group within the last `hours`. */
  async hasBreakGlassSince(
    m: EntityManager,
    requesterId: string,
    groupId: string,
    hours: number,
  ): Promise<boolean> {
    const [row] = await m.query<unknown[]>(
      `SELECT 1 FROM access_requests WHERE break_glass AND requester_id = $1 AND group_id = $2
         AND created_at > now() - make_interval(hours => $3) LIMIT 1`,
      [requesterId, groupId, hours],
    );
    return !!row;
  }

  /** The approval of a request by an auto-approve rule (no person, no step). */
  async recordRule(m: EntityManager, id: string, rule: number, comment: string): Promise<void> {
    await m.query(
      `INSERT INTO access_request_approvals (request_id, approver_id, decision, rule, comment) VALUES ($1, NULL, 'approve', $2, $3)`,
      [id, rule, comment],
    );
  }

  /** One keyset page (limit + 1 rows, oldest first) of the requests the scope lets the reader see. */
  async list(
    v: ReadScope,
    f: { scope?: RequestListScope; status?: RequestStatus },
    ks: Keyset,
  ): Promise<RequestRow[]> {
    const mine = `(r.requester_id = $1::uuid OR r.account_id = ANY($2::uuid[]))`;
    // The group's approvers of the moment and those a request added (a manager, owners or admins asked
    // instead of approvers who left), less those it skips.
    const approver = `((r.group_id IN (SELECT group_id FROM access_group_policies p
                          WHERE $1::uuid = ANY(COALESCE(p.approver_ids, p.owner_ids)))
                        OR r.id IN (SELECT request_id FROM access_request_approvers a
                          WHERE a.principal_id = $1::uuid AND a.removed_reason IS NULL))
                       AND r.id NOT IN (SELECT request_id FROM access_request_approvers a
                          WHERE a.principal_id = $1::uuid AND a.removed_reason IS NOT NULL))`;
    // v.all is a boolean of ours, never input.
    const scope =
      f.scope === 'mine'
        ? mine
        : f.scope === 'to_approve'
          ? `(${approver} AND NOT ${mine})`
          : `(${v.all} OR ${mine} OR ${approver})`;
    return this.dataSource.query<RequestRow[]>(
      `SELECT r.*, ${cursorKey('r.created_at')} AS ck FROM access_requests r
       WHERE ${scope} AND ($3::text IS NULL OR r.status = $3)
         AND ${ks.after(4, { key: 'r.created_at', id: 'r.id' })}
       ORDER BY r.created_at, r.id LIMIT $6`,
      [v.me, v.accounts, f.status ?? null, ...ks.params],
    );
  }

  async getApprovalsOf(requestIds: string[]): Promise<ApprovalRow[]> {
    return this.dataSource.query<ApprovalRow[]>(
      `SELECT * FROM access_request_approvals WHERE request_id = ANY($1::uuid[]) ORDER BY at, id`,
      [requestIds],
    );
  }

  /** Accounts that pending requests this principal may approve would benefit. */
  async getBeneficiariesOfPendingApprovableBy(principalId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ account_id: string }[]>(
      `SELECT DISTINCT r.account_id FROM access_requests r LEFT JOIN access_group_policies p ON p.group_id = r.group_id
       WHERE r.status = 'pending' AND ($1::uuid = ANY(COALESCE(p.approver_ids, p.owner_ids))
         OR r.id IN (SELECT request_id FROM access_request_approvers a
                     WHERE a.principal_id = $1::uuid AND a.removed_reason IS NULL))`,
      [principalId],
    );
    return rows.map((r) => r.account_id);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { returned } from '../platform/database/sql';
import { type ApproverChange } from './approval-steps.policy';
import { type RequestApproverRow, type RequestRow } from './dto/access.rows';

/** The SQL of `access_request_approvers` (who may act on each step of a request) and of step records. */
@Injectable()
export class RequestApproversRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    m: EntityManager,
    requestId: string,
    step: number,
    rows: { id: string; source: RequestApproverRow['source'] }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO access_request_approvers (request_id, step, principal_id, source)
       SELECT $1, $2, u.id, u.source FROM unnest($3::uuid[], $4::text[]) AS u(id, source)
       ON CONFLICT DO NOTHING`,
      [requestId, step, rows.map((r) => r.id), rows.map((r) => r.source)],
    );
  }

  /** Every approver row of these requests (those who left included). */
  async getOf(
    requestIds: string[],
    m: EntityManager = this.dataSource.manager,
  ): Promise<RequestApproverRow[]> {
    if (requestIds.length === 0) return [];
    return m.query<RequestApproverRow[]>(
      `SELECT request_id, step, principal_id, source, removed_reason FROM access_request_approvers
       WHERE request_id = ANY($1::uuid[]) ORDER BY added_at, principal_id`,
      [requestIds],
    );
  }

  /** Approvers of a step who left: skipped from now on (a policy approver gets a row saying so). */
  async markRemoved(
    m: EntityManager,
    requestId: string,
    step: number,
    removed: { id: string; reason: string }[],
  ): Promise<void> {
    if (removed.length === 0) return;
    await m.query(
      `INSERT INTO access_request_approvers (request_id, step, principal_id, source, removed_reason)
       SELECT $1, $2, u.id, 'policy', u.reason FROM unnest($3::uuid[], $4::text[]) AS u(id, reason)
       ON CONFLICT (request_id, step, principal_id) DO UPDATE SET removed_reason = EXCLUDED.removed_reason`,
      [requestId, step, removed.map((r) => r.id), removed.map((r) => r.reason)],
    );
  }

  async appendChanges(m: EntityManager, requestId: string, changes: ApproverChange[]): Promise<RequestRow> {
    const [row] = returned<RequestRow>(
      await m.query(
        `UPDATE access_requests SET approver_changes = approver_changes || $2::jsonb WHERE id = $1 RETURNING *`,
        [requestId, JSON.stringify(changes)],
      ),
    );
    return row;
  }

  async setCurrentStep(m: EntityManager, requestId: string, step: number): Promise<RequestRow> {
    const [row] = returned<RequestRow>(
      await m.query(`UPDATE access_requests SET current_step = $2 WHERE id = $1 RETURNING *`, [
        requestId,
        step,
      ]),
    );
    return row;
  }

  /** Pending requests of a connection (the approvers of their current step are checked after a sync). */
  async getPendingIdsInConnection(connectionId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM access_requests WHERE connection_id = $1 AND status = 'pending' ORDER BY created_at`,
      [connectionId],
    );
    return rows.map((r) => r.id);
  }
}

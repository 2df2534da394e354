import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type SealedColumn } from '../platform/secrets/sealed-column';
import { type InsightsState } from './connection-insights';

/** Where a connection's sealed credentials live (bound to the connection id). */
export const CONNECTION_CREDENTIALS: SealedColumn = { table: 'connections', column: 'credentials' };

export interface ConnectionRow {
  id: string;
  name: string;
  org_id: string;
  region: 'us' | 'eu';
  credential_type: 'service_account' | 'api_key';
  client_id_last4: string | null;
  credentials: Buffer | null;
  sync_interval_minutes: number | null;
  status: 'ok' | 'error';
  status_error: string | null;
  write_access: 'unverified' | 'verified' | 'denied';
  insights: InsightsState;
  insights_checked_at: Date | null;
  last_sync_at: Date | null;
  created_at: Date;
  ck?: string;
}

@Injectable()
export class ConnectionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(
    id: string,
    m: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<ConnectionRow | null> {
    const rows = await m.query<ConnectionRow[]>(
      `SELECT * FROM connections WHERE id = $1 AND deleted_at IS NULL ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async list(ks: Keyset): Promise<ConnectionRow[]> {
    return this.dataSource.query<ConnectionRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM connections
       WHERE deleted_at IS NULL AND ${ks.after(1)}
       ORDER BY created_at, id LIMIT $3`,
      ks.params,
    );
  }

  /** Inserts with a known id: the sealed credentials are bound to it. */
  async insert(
    m: EntityManager,
    c: Pick<
      ConnectionRow,
      | 'id'
      | 'name'
      | 'org_id'
      | 'region'
      | 'credential_type'
      | 'client_id_last4'
      | 'credentials'
      | 'sync_interval_minutes'
      | 'insights'
      | 'insights_checked_at'
    >,
  ): Promise<ConnectionRow> {
    const rows = await m.query<ConnectionRow[]>(
      `INSERT INTO connections (id, name, org_id, region, credential_type, client_id_last4, credentials,
         sync_interval_minutes, insights, insights_checked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        c.id,
        c.name,
        c.org_id,
        c.region,
        c.credential_type,
        c.client_id_last4,
        c.credentials,
        c.sync_interval_minutes,
        c.insights,
        c.insights_checked_at,
      ],
    );
    return rows[0];
  }

  async update(
    m: EntityManager,
    id: string,
    patch: Partial<
      Pick<
        ConnectionRow,
        | 'name'
        | 'sync_interval_minutes'
        | 'credential_type'
        | 'client_id_last4'
        | 'credentials'
        | 'write_access'
        | 'insights'
        | 'insights_checked_at'
      >
    >,
  ): Promise<ConnectionRow> {
    const cols = Object.keys(patch) as (keyof typeof patch)[];
    const sets = cols.map((c, i) => `${c} = $${i + 2}`);
    const rows = returned<ConnectionRow>(
      await m.query(
        `UPDATE connections SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
        [id, ...cols.map((c) => patch[c])],
      ),
    );
    return rows[0];
  }

  /** Soft delete: the row stays for the evidence that refers to it; the credentials are wiped. */
  async markDeleted(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE connections SET deleted_at = now(), credentials = NULL, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
  }

  /** Sync and provisioning record how the connection is doing. */
  async setStatus(id: string, status: 'ok' | 'error', error: string | null, syncedAt?: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE connections SET status = $2, status_error = $3, last_sync_at = COALESCE($4, last_sync_at)
       WHERE id = $1 AND (status IS DISTINCT FROM $2 OR status_error IS DISTINCT FROM $3 OR $4::timestamptz IS NOT NULL)`,
      [id, status, error, syncedAt ?? null],
    );
  }

  async setWriteAccess(id: string, access: 'verified' | 'denied'): Promise<void> {
    await this.dataSource.query(
      `UPDATE connections SET write_access = $2 WHERE id = $1 AND write_access IS DISTINCT FROM $2`,
      [id, access],
    );
  }

  /**
   * What a Directory Insights read found at `at`; a finding older than the stored one is dropped (two
   * readers racing), and a deleted connection is left as it was.
   */
  /**
   * Records the insights state unless another transaction holds the connection's row (a provisioning
   * settlement notes write access there): the state is advisory and the next read records it again,
   * whereas waiting would stall the sync or activity read that found it.
   */
  async setInsights(id: string, state: InsightsState, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE connections c SET insights = $2, insights_checked_at = $3
       FROM (SELECT id FROM connections
             WHERE id = $1 AND deleted_at IS NULL AND (insights_checked_at IS NULL OR insights_checked_at <= $3)
             FOR NO KEY UPDATE SKIP LOCKED) free
       WHERE c.id = free.id`,
      [id, state, at],
    );
  }

  async listLive(): Promise<ConnectionRow[]> {
    return this.dataSource.query<ConnectionRow[]>(
      `SELECT * FROM connections WHERE deleted_at IS NULL ORDER BY created_at`,
    );
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { returned } from '../platform/database/sql';
import { type SealedColumn } from '../platform/secrets/sealed-column';
import { type ChannelType } from './notification-kinds';

/** Where a channel's sealed config lives (bound to the channel id; wiped to empty on delete). */
export const CHANNEL_CONFIG: SealedColumn = { table: 'notification_channels', column: 'config_sealed' };

export interface ChannelRow {
  id: string;
  type: ChannelType;
  name: string;
  enabled: boolean;
  config_sealed: Buffer;
  config_public: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  ck?: string;
}

@Injectable()
export class NotificationChannelsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(
    id: string,
    m: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<ChannelRow | null> {
    const rows = await m.query<ChannelRow[]>(
      `SELECT * FROM notification_channels WHERE id = $1 AND deleted_at IS NULL ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async list(ks: Keyset): Promise<ChannelRow[]> {
    return this.dataSource.query<ChannelRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM notification_channels
       WHERE deleted_at IS NULL AND ${ks.after(1)} ORDER BY created_at, id LIMIT $3`,
      ks.params,
    );
  }

  /** Enabled Slack channels: the ones whose signing secret may verify an interaction. */
  async listEnabled(type: ChannelType): Promise<ChannelRow[]> {
    return this.dataSource.query<ChannelRow[]>(
      `SELECT * FROM notification_channels WHERE type = $1 AND enabled AND deleted_at IS NULL ORDER BY created_at, id`,
      [type],
    );
  }

  async anyOfType(m: EntityManager, type: ChannelType): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `SELECT 1 FROM notification_channels WHERE type = $1 AND deleted_at IS NULL LIMIT 1`,
      [type],
    );
    return rows.length > 0;
  }

  /** Inserts with a known id: the sealed config is bound to it. */
  async insert(
    m: EntityManager,
    c: Pick<ChannelRow, 'id' | 'type' | 'name' | 'enabled' | 'config_sealed' | 'config_public'>,
  ): Promise<ChannelRow> {
    const rows = await m.query<ChannelRow[]>(
      `INSERT INTO notification_channels (id, type, name, enabled, config_sealed, config_public)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [c.id, c.type, c.name, c.enabled, c.config_sealed, JSON.stringify(c.config_public)],
    );
    return rows[0];
  }

  async update(
    m: EntityManager,
    id: string,
    patch: Partial<Pick<ChannelRow, 'name' | 'enabled' | 'config_sealed' | 'config_public'>>,
  ): Promise<ChannelRow> {
    const cols = Object.keys(patch) as (keyof typeof patch)[];
    const sets = cols.map((c, i) => `${c} = $${i + 2}`);
    const values = cols.map((c) => (c === 'config_public' ? JSON.stringify(patch[c]) : patch[c]));
    const rows = returned<ChannelRow>(
      await m.query(
        `UPDATE notification_channels SET ${[...sets, 'updated_at = clock_timestamp()'].join(', ')}
         WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
        [id, ...values],
      ),
    );
    return rows[0];
  }

  /** Soft delete: deliveries keep naming their channel; the sealed config is wiped. */
  async markDeleted(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE notification_channels SET deleted_at = clock_timestamp(), enabled = false, config_sealed = '\\x'::bytea
       WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
  }
}

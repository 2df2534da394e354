import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { cursorKey, type CursorPosition } from '../platform/http/pagination';
import { type HistoryRow } from './dto/membership-history.dto';

/** The SQL of `directory_membership_history` pages, newest first, keyset-paged on (at, id). */
@Injectable()
export class MembershipHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether the account or group exists in a live connection (removed ones keep their history). */
  async existsInLiveConnection(
    table: 'directory_accounts' | 'directory_groups',
    id: string,
    liveConnectionIds: string[],
  ): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM ${table} x WHERE x.id = $1 AND x.connection_id = ANY($2::uuid[])`,
      [id, liveConnectionIds],
    );
    return rows.length > 0;
  }

  async getForAccount(accountId: string, after: CursorPosition | null, limit: number): Promise<HistoryRow[]> {
    return this.page('h.account_id = $1', [accountId], after, limit);
  }

  /** A group's history; only rows about `accountIds` unless that is null (everything). */
  async getForGroup(
    groupId: string,
    accountIds: string[] | null,
    after: CursorPosition | null,
    limit: number,
  ): Promise<HistoryRow[]> {
    return accountIds === null
      ? this.page('h.group_id = $1', [groupId], after, limit)
      : this.page('h.group_id = $1 AND h.account_id = ANY($2::uuid[])', [groupId, accountIds], after, limit);
  }

  private async page(
    where: string,
    params: unknown[],
    after: CursorPosition | null,
    limit: number,
  ): Promise<HistoryRow[]> {
    const n = params.length;
    return this.dataSource.query<HistoryRow[]>(
      `SELECT h.id::text AS id, h.at, ${cursorKey('h.at')} AS ck, h.account_id, h.group_id, h.change,
              h.run_id, h.operation_id, h.changed_by_type, h.changed_by_email, h.changed_by_name
       FROM directory_membership_history h
       WHERE ${where} AND ($${n + 1}::timestamptz IS NULL OR (h.at, h.id) < ($${n + 1}::timestamptz, $${n + 2}::bigint))
       ORDER BY h.at DESC, h.id DESC LIMIT $${n + 3}`,
      [...params, after?.k ?? null, after?.id ?? null, limit],
    );
  }
}

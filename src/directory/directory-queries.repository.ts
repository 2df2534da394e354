import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { ACCOUNT_SELECT, GROUP_SELECT } from './directory-selects';
import { type AccountRow, type ApplicationRow, type GroupRow } from './dto/directory.dto';

// Every read below takes the ids of the live connections (from ConnectionsService): the directory copy
// of a deleted connection stays in place but is never shown, and the connections table is not ours.

/** Filters as SQL with numbered parameters. */
class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: string, ...values: unknown[]): void {
    let out = sql;
    for (const v of values) {
      this.params.push(v);
      out = out.replace('?', `$${this.params.length}`);
    }
    this.parts.push(out);
  }
  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }
  /** The keyset condition "after the cursor" on `alias`'s (created_at, id); returns the LIMIT's parameter. */
  keyset(ks: Keyset, alias: string): string {
    const [k, id, limit] = ks.params;
    this.parts.push(ks.after(this.params.length + 1, { key: `${alias}.created_at`, id: `${alias}.id` }));
    this.params.push(k, id);
    return this.param(limit);
  }
  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/** LIKE's wildcards and escape character taken literally. */
const contains = (q: string): string => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** Filters of the accounts list (API.md "Directory"). */
export interface AccountFilter {
  connectionId?: string;
  kind?: 'user' | 'admin';
  q?: string;
  /** Only current members of this group. */
  groupId?: string;
  includeRemoved?: boolean;
}

export interface GroupFilter {
  connectionId?: string;
  q?: string;
  includeRemoved?: boolean;
}

/** The SQL of the directory's API reads (API.md "Directory"): lists and single accounts and groups. */
@Injectable()
export class DirectoryQueriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async listAccounts(f: AccountFilter, ks: Keyset, liveConnectionIds: string[]): Promise<AccountRow[]> {
    const w = new Where();
    w.add('a.connection_id = ANY(?::uuid[])', liveConnectionIds);
    if (!f.includeRemoved) w.add('a.removed_at IS NULL');
    if (f.connectionId) w.add('a.connection_id = ?', f.connectionId);
    if (f.kind) w.add('a.kind = ?', f.kind);
    if (f.q) {
      const p = w.param(contains(f.q));
      w.parts.push(`(a.email ILIKE ${p} OR a.username ILIKE ${p} OR a.display_name ILIKE ${p})`);
    }
    if (f.groupId) {
      w.add(
        'EXISTS (SELECT 1 FROM directory_memberships m WHERE m.account_id = a.id AND m.group_id = ? AND m.removed_at IS NULL)',
        f.groupId,
      );
    }
    const limit = w.keyset(ks, 'a');
    return this.dataSource.query<AccountRow[]>(
      `${ACCOUNT_SELECT} ${w.toString()} ORDER BY a.created_at, a.id LIMIT ${limit}`,
      w.params,
    );
  }

  async getAccount(id: string, liveConnectionIds: string[]): Promise<AccountRow | undefined> {
    const [row] = await this.dataSource.query<AccountRow[]>(
      `${ACCOUNT_SELECT} WHERE a.id = $1 AND a.connection_id = ANY($2::uuid[])`,
      [id, liveConnectionIds],
    );
    return row;
  }

  /** The account's current groups, by name. */
  async getAccountGroups(accountId: string): Promise<{ group_id: string; name: string; since: Date }[]> {
    return this.dataSource.query<{ group_id: string; name: string; since: Date }[]>(
      `SELECT m.group_id, g.name, m.since FROM directory_memberships m JOIN directory_groups g ON g.id = m.group_id
       WHERE m.account_id = $1 AND m.removed_at IS NULL AND g.removed_at IS NULL ORDER BY g.name, g.id`,
      [accountId],
    );
  }

  async listGroups(f: GroupFilter, ks: Keyset, liveConnectionIds: string[]): Promise<GroupRow[]> {
    const w = new Where();
    w.add('g.connection_id = ANY(?::uuid[])', liveConnectionIds);
    if (!f.includeRemoved) w.add('g.removed_at IS NULL');
    if (f.connectionId) w.add('g.connection_id = ?', f.connectionId);
    if (f.q) w.add('g.name ILIKE ?', contains(f.q));
    const limit = w.keyset(ks, 'g');
    return this.dataSource.query<GroupRow[]>(
      `${GROUP_SELECT} ${w.toString()} ORDER BY g.created_at, g.id LIMIT ${limit}`,
      w.params,
    );
  }

  async getGroup(id: string, liveConnectionIds: string[]): Promise<GroupRow | undefined> {
    const [row] = await this.dataSource.query<GroupRow[]>(
      `${GROUP_SELECT} WHERE g.id = $1 AND g.connection_id = ANY($2::uuid[])`,
      [id, liveConnectionIds],
    );
    return row;
  }

  /** Current members of a group, with the time each joined (`since`). */
  async listGroupMembers(groupId: string, ks: Keyset, liveConnectionIds: string[]): Promise<AccountRow[]> {
    return this.dataSource.query<AccountRow[]>(
      `${ACCOUNT_SELECT.replace(`${cursorKey('a.created_at')} AS ck`, `m.since, ${cursorKey('a.created_at')} AS ck`)}
       JOIN directory_memberships m ON m.account_id = a.id AND m.group_id = $1 AND m.removed_at IS NULL
       WHERE a.removed_at IS NULL AND ${ks.after(2, { key: 'a.created_at', id: 'a.id' })}
         AND a.connection_id = ANY($5::uuid[])
       ORDER BY a.created_at, a.id LIMIT $4`,
      [groupId, ...ks.params, liveConnectionIds],
    );
  }

  async listApplications(
    f: { connectionId?: string },
    ks: Keyset,
    liveConnectionIds: string[],
  ): Promise<ApplicationRow[]> {
    const w = new Where();
    w.add('d.connection_id = ANY(?::uuid[])', liveConnectionIds);
    w.add('d.removed_at IS NULL');
    if (f.connectionId) w.add('d.connection_id = ?', f.connectionId);
    const limit = w.keyset(ks, 'd');
    return this.dataSource.query<ApplicationRow[]>(
      `SELECT d.id, d.connection_id, d.external_id, d.name, ${cursorKey('d.created_at')} AS ck,
         COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name, g.id)
                   FROM directory_application_groups x JOIN directory_groups g ON g.id = x.group_id
                   WHERE x.application_id = d.id AND g.removed_at IS NULL), '[]'::json) AS groups
       FROM directory_applications d
       ${w.toString()} ORDER BY d.created_at, d.id LIMIT ${limit}`,
      w.params,
    );
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type LinkedAccount } from '../auth/account-links';
import { returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type AccountRow, type ApplicationRow, type GroupRow } from './dto/directory.dto';

// Every read below takes the ids of the live connections (from ConnectionsService): the directory copy
// of a deleted connection stays in place but is never shown, and the connections table is not ours.

const ACCOUNT_SELECT = `SELECT a.id, a.connection_id, a.external_id, a.kind, a.email, a.username, a.display_name, a.state,
    mgr.id AS manager_account_id, a.department, a.job_title, a.admin_roles, a.created_at, a.updated_at, a.removed_at,
    ${cursorKey('a.created_at')} AS ck
  FROM directory_accounts a
  LEFT JOIN directory_accounts mgr ON mgr.connection_id = a.connection_id AND mgr.kind = 'user'
       AND mgr.external_id = a.manager_external_id AND mgr.removed_at IS NULL`;

const GROUP_SELECT = `SELECT g.id, g.connection_id, g.external_id, g.name, g.description, g.membership_method, g.removed_at,
        ${cursorKey('g.created_at')} AS ck,
        (SELECT count(*) FROM directory_memberships m JOIN directory_accounts a ON a.id = m.account_id AND a.removed_at IS NULL
         WHERE m.group_id = g.id AND m.removed_at IS NULL)::int AS member_count,
        COALESCE((SELECT json_agg(json_build_object('id', d.id, 'name', d.name) ORDER BY d.name, d.id)
                  FROM directory_application_groups x JOIN directory_applications d ON d.id = x.application_id
                  WHERE x.group_id = g.id AND d.removed_at IS NULL), '[]'::json) AS applications
      FROM directory_groups g`;

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

/** What provisioning needs to apply an operation: the JumpCloud ids and the group's membership method. */
export interface MembershipTarget {
  connectionId: string;
  groupExternalId: string;
  accountExternalId: string;
  accountKind: 'user' | 'admin';
  membershipMethod: string;
}

export interface ProvisionedChange {
  connectionId: string;
  groupId: string;
  accountId: string;
  action: 'add' | 'remove';
  operationId: string;
  /** When the operation's first JumpCloud call began: none of its writes landed before. */
  startedAt: Date | null;
}

/** The SQL over the directory copy: accounts, groups, memberships (and their history), applications. */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async getAccountsForEmail(email: string, liveConnectionIds: string[]): Promise<LinkedAccount[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        connection_id: string;
        kind: 'user' | 'admin';
        email: string;
        display_name: string | null;
      }[]
    >(
      `SELECT a.id, a.connection_id, a.kind, a.email, a.display_name FROM directory_accounts a
       WHERE lower(a.email) = lower($1) AND a.removed_at IS NULL AND a.connection_id = ANY($2::uuid[])
       ORDER BY a.created_at, a.id`,
      [email, liveConnectionIds],
    );
    return rows.map((r) => ({
      id: r.id,
      connectionId: r.connection_id,
      kind: r.kind,
      email: r.email,
      displayName: r.display_name,
    }));
  }

  async getMembershipTarget(groupId: string, accountId: string): Promise<MembershipTarget | null> {
    const [row] = await this.dataSource.query<
      {
        connection_id: string;
        group_external_id: string;
        account_external_id: string;
        kind: 'user' | 'admin';
        membership_method: string;
      }[]
    >(
      `SELECT g.connection_id, g.external_id AS group_external_id, a.external_id AS account_external_id, a.kind,
              g.membership_method
       FROM directory_groups g JOIN directory_accounts a ON a.id = $2 AND a.connection_id = g.connection_id
       WHERE g.id = $1`,
      [groupId, accountId],
    );
    if (!row) return null;
    return {
      connectionId: row.connection_id,
      groupExternalId: row.group_external_id,
      accountExternalId: row.account_external_id,
      accountKind: row.kind,
      membershipMethod: row.membership_method,
    };
  }

  /**
   * Records a membership change jumpgate itself made in JumpCloud, at once and inside the caller's
   * transaction, with its history row; the next sync confirms or contradicts it.
   */
  async recordProvisionedChange(m: EntityManager, change: ProvisionedChange): Promise<boolean> {
    // One statement writes the membership and its history row with the same moment: clock_timestamp(),
    // since now() would be the start of the settling transaction, which may have waited for locks.
    const params = [
      change.groupId,
      change.accountId,
      change.connectionId,
      change.operationId,
      change.action === 'add' ? 'added' : 'removed',
    ];
    const written = returned<unknown>(
      await m.query(
        change.action === 'add'
          ? `WITH w AS (
               INSERT INTO directory_memberships (group_id, account_id, connection_id, since)
               VALUES ($1, $2, $3, clock_timestamp())
               ON CONFLICT (group_id, account_id) DO UPDATE
                 SET removed_at = NULL, since = EXCLUDED.since, seen_at_baseline = false
                 WHERE directory_memberships.removed_at IS NOT NULL
               RETURNING since AS at)
             INSERT INTO directory_membership_history (connection_id, run_id, operation_id, group_id, account_id, change, at)
             SELECT $3, NULL, $4, $1, $2, $5, at FROM w RETURNING 1`
          : `WITH w AS (
               UPDATE directory_memberships SET removed_at = clock_timestamp()
               WHERE group_id = $1 AND account_id = $2 AND removed_at IS NULL
               RETURNING removed_at AS at)
             INSERT INTO directory_membership_history (connection_id, run_id, operation_id, group_id, account_id, change, at)
             SELECT $3, NULL, $4, $1, $2, $5, at FROM w RETURNING 1`,
        params,
      ),
    );
    if (written.length > 0) return true;
    // Already so in the copy. If a sync saw it happen after this operation's first call began, it
    // recorded jumpgate's own change as one made outside (its listing fell between the write and this
    // moment): the row is the operation's. The sync's row is committed by now: writing the membership
    // above waited for the sync's transaction, which held that row.
    if (change.startedAt !== null) {
      await m.query(
        `UPDATE directory_membership_history h SET operation_id = $3, run_id = NULL
         WHERE h.id = (SELECT id FROM directory_membership_history
                       WHERE group_id = $1 AND account_id = $2 ORDER BY at DESC, id DESC LIMIT 1)
           AND h.operation_id IS NULL AND h.change = $4 AND h.at >= $5`,
        [change.groupId, change.accountId, change.operationId, params[4], change.startedAt],
      );
    }
    return false;
  }

  /** Whether these memberships are currently present in the directory copy (set-wise). */
  async getPresentMemberships(pairs: { groupId: string; accountId: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = await this.dataSource.query<{ k: string }[]>(
      `SELECT m.group_id::text || ':' || m.account_id::text AS k FROM directory_memberships m
       JOIN unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
         ON p.group_id = m.group_id AND p.account_id = m.account_id
       WHERE m.removed_at IS NULL`,
      [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId)],
    );
    return new Set(rows.map((r) => r.k));
  }

  /** Memberships a sync run marked removed (for grants that ended outside jumpgate), set-wise. */
  async getMembershipsRemovedByRun(runId: string): Promise<{ groupId: string; accountId: string }[]> {
    const rows = await this.dataSource.query<{ group_id: string; account_id: string }[]>(
      `SELECT DISTINCT group_id, account_id FROM directory_membership_history WHERE run_id = $1 AND change = 'removed'`,
      [runId],
    );
    return rows.map((r) => ({ groupId: r.group_id, accountId: r.account_id }));
  }

  /** Groups by id, set-wise (removed groups included; callers check `removedAt`). */
  async getGroupsByIds(ids: string[], liveConnectionIds: string[]): Promise<GroupRow[]> {
    return this.dataSource.query<GroupRow[]>(
      `${GROUP_SELECT} WHERE g.id = ANY($1::uuid[]) AND g.connection_id = ANY($2::uuid[])`,
      [ids, liveConnectionIds],
    );
  }

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

  /**
   * Of these (lower-cased) emails, those whose accounts in this connection the current transaction
   * made suspended or removed, and that have no active account left in any live connection.
   */
  async getEmailsNowInactiveEverywhere(
    m: EntityManager,
    connectionId: string,
    emails: string[],
    liveConnectionIds: string[],
  ): Promise<string[]> {
    // now() is this transaction's start: every account the run changed was stamped inside it, later.
    // (Runs of one connection never overlap, and an earlier run committed before this one began.)
    const rows = await m.query<{ email: string }[]>(
      `SELECT DISTINCT lower(a.email) AS email FROM directory_accounts a
       WHERE a.connection_id = $1 AND lower(a.email) = ANY($2::text[]) AND a.updated_at >= now()
         AND (a.removed_at IS NOT NULL OR a.state = 'SUSPENDED')
         AND NOT EXISTS (SELECT 1 FROM directory_accounts b
                         WHERE lower(b.email) = lower(a.email) AND b.removed_at IS NULL AND b.state <> 'SUSPENDED'
                           AND b.connection_id = ANY($3::uuid[]))`,
      [connectionId, emails, liveConnectionIds],
    );
    return rows.map((r) => r.email);
  }
}

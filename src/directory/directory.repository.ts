import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type AccountStatus, type LinkedAccount } from '../auth/account-links';
import { returned } from '../platform/database/sql';
import { ACCOUNT_SELECT, GROUP_SELECT } from './directory-selects';
import { type AccountRow, type GroupRow } from './dto/directory.dto';

// Every read below takes the ids of the live connections (from ConnectionsService): the directory copy
// of a deleted connection stays in place but is never shown, and the connections table is not ours.

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

/**
 * The SQL of the directory facts other domains and the sync ask for: linked accounts, membership
 * targets and presence, jumpgate's own changes (with their history), groups and accounts by id.
 */
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

  /** API.md "Sign-in and sessions": active = not suspended and not removed, in a live connection. */
  async getAccountStatusForEmail(email: string, liveConnectionIds: string[]): Promise<AccountStatus> {
    const [row] = await this.dataSource.query<{ any: boolean; active: boolean }[]>(
      `SELECT count(*) > 0 AS any, coalesce(bool_or(removed_at IS NULL AND state <> 'SUSPENDED'), false) AS active
       FROM directory_accounts WHERE lower(email) = lower($1) AND connection_id = ANY($2::uuid[])`,
      [email, liveConnectionIds],
    );
    if (row?.active) return 'active';
    return row?.any ? 'inactive' : 'none';
  }

  /** Current memberships of active accounts with these emails in the groups with these JumpCloud ids. */
  async getGroupsOfEmails(
    emails: string[],
    groupExternalIds: string[],
    liveConnectionIds: string[],
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (emails.length === 0 || groupExternalIds.length === 0) return out;
    const rows = await this.dataSource.query<{ email: string; external_id: string }[]>(
      `SELECT DISTINCT lower(a.email) AS email, g.external_id
       FROM directory_memberships m
       JOIN directory_groups g ON g.id = m.group_id AND g.removed_at IS NULL
       JOIN directory_accounts a ON a.id = m.account_id AND a.removed_at IS NULL AND a.state <> 'SUSPENDED'
       WHERE m.removed_at IS NULL AND g.external_id = ANY($1::text[]) AND g.connection_id = ANY($2::uuid[])
         AND lower(a.email) = ANY($3::text[])`,
      [groupExternalIds, liveConnectionIds, emails.map((e) => e.toLowerCase())],
    );
    for (const r of rows) out.set(r.email, [...(out.get(r.email) ?? []), r.external_id]);
    return out;
  }

  /**
   * What provisioning needs to apply operations on these memberships, set-wise (one statement for a
   * whole batch of the worker's jobs). Keys are `groupId:accountId`; a pair not in the directory is absent.
   */
  async getMembershipTargets(
    pairs: { groupId: string; accountId: string }[],
  ): Promise<Map<string, MembershipTarget>> {
    const rows = await this.dataSource.query<
      {
        k: string;
        connection_id: string;
        group_external_id: string;
        account_external_id: string;
        kind: 'user' | 'admin';
        membership_method: string;
      }[]
    >(
      `SELECT p.group_id::text || ':' || p.account_id::text AS k,
              g.connection_id, g.external_id AS group_external_id, a.external_id AS account_external_id, a.kind,
              g.membership_method
       FROM unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
       JOIN directory_groups g ON g.id = p.group_id
       JOIN directory_accounts a ON a.id = p.account_id AND a.connection_id = g.connection_id`,
      [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId)],
    );
    return new Map(
      rows.map((row) => [
        row.k,
        {
          connectionId: row.connection_id,
          groupExternalId: row.group_external_id,
          accountExternalId: row.account_external_id,
          accountKind: row.kind,
          membershipMethod: row.membership_method,
        },
      ]),
    );
  }

  /**
   * Records membership changes jumpgate itself made in JumpCloud, set-wise inside the caller's
   * transaction (a settlement of hundreds of operations costs two statements, not one each): each
   * membership and its history row with the same moment, clock_timestamp(), since now() would be the
   * start of the settling transaction, which may have waited for locks. At most one change per
   * membership (operations on one membership apply one after another). Returns the changes written.
   */
  async recordProvisionedChanges(
    m: EntityManager,
    changes: ProvisionedChange[],
  ): Promise<ProvisionedChange[]> {
    const written: ProvisionedChange[] = [];
    for (const action of ['add', 'remove'] as const) {
      const these = changes.filter((c) => c.action === action);
      if (these.length === 0) continue;
      const col = <K extends keyof ProvisionedChange>(k: K) => these.map((c) => c[k]);
      const rows = returned<{ group_id: string; account_id: string }>(
        await m.query(
          `WITH c AS (
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[])
             AS c(group_id, account_id, connection_id, operation_id)
         ),
         w AS (${
           action === 'add'
             ? `INSERT INTO directory_memberships (group_id, account_id, connection_id, since)
                SELECT group_id, account_id, connection_id, clock_timestamp() FROM c
                ON CONFLICT (group_id, account_id) DO UPDATE
                  SET removed_at = NULL, since = EXCLUDED.since, seen_at_baseline = false
                  WHERE directory_memberships.removed_at IS NOT NULL
                RETURNING group_id, account_id, since AS at`
             : `UPDATE directory_memberships d SET removed_at = clock_timestamp() FROM c
                WHERE d.group_id = c.group_id AND d.account_id = c.account_id AND d.removed_at IS NULL
                RETURNING d.group_id, d.account_id, d.removed_at AS at`
         })
         INSERT INTO directory_membership_history (connection_id, run_id, operation_id, group_id, account_id, change, at)
         SELECT c.connection_id, NULL, c.operation_id, w.group_id, w.account_id, $5, w.at
         FROM w JOIN c ON c.group_id = w.group_id AND c.account_id = w.account_id
         RETURNING group_id, account_id`,
          [
            col('groupId'),
            col('accountId'),
            col('connectionId'),
            col('operationId'),
            action === 'add' ? 'added' : 'removed',
          ],
        ),
      );
      const done = new Set(rows.map((r) => `${r.group_id}:${r.account_id}`));
      written.push(...these.filter((c) => done.has(`${c.groupId}:${c.accountId}`)));
      // Already so in the copy. If a sync saw it happen after this operation's first call began, it
      // recorded jumpgate's own change as one made outside (its listing fell between the write and
      // this moment): the row is the operation's. The sync's row is committed by now: writing the
      // membership above waited for the sync's transaction, which held that row.
      const claim = these.filter((c) => !done.has(`${c.groupId}:${c.accountId}`) && c.startedAt !== null);
      if (claim.length === 0) continue;
      await m.query(
        `UPDATE directory_membership_history h SET operation_id = c.operation_id, run_id = NULL
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[]) AS c(group_id, account_id, operation_id, started_at)
         WHERE h.id = (SELECT id FROM directory_membership_history
                       WHERE group_id = c.group_id AND account_id = c.account_id ORDER BY at DESC, id DESC LIMIT 1)
           AND h.operation_id IS NULL AND h.change = $5 AND h.at >= c.started_at`,
        [
          claim.map((c) => c.groupId),
          claim.map((c) => c.accountId),
          claim.map((c) => c.operationId),
          claim.map((c) => c.startedAt),
          action === 'add' ? 'added' : 'removed',
        ],
      );
    }
    return written;
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

  /** Accounts by id, set-wise (removed ones included; callers check `removedAt`). */
  async getAccountsByIds(ids: string[], liveConnectionIds: string[]): Promise<AccountRow[]> {
    return this.dataSource.query<AccountRow[]>(
      `${ACCOUNT_SELECT} WHERE a.id = ANY($1::uuid[]) AND a.connection_id = ANY($2::uuid[])`,
      [ids, liveConnectionIds],
    );
  }

  /** Of these ids, those of the connection's applications JumpCloud still lists. */
  async getApplicationIdsIn(
    connectionId: string,
    ids: string[],
    liveConnectionIds: string[],
  ): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT d.id FROM directory_applications d
       WHERE d.id = ANY($2::uuid[]) AND d.connection_id = $1 AND d.connection_id = ANY($3::uuid[])
         AND d.removed_at IS NULL`,
      [connectionId, ids, liveConnectionIds],
    );
    return rows.map((r) => r.id);
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

import { randomUUID } from 'node:crypto';
import { type PoolClient } from 'pg';
import { type QueryRunner } from 'typeorm';
import {
  type JumpCloudAdministrator,
  type JumpCloudClient,
  type JumpCloudPage,
  type JumpCloudSystemUser,
} from '../../jumpcloud';
import { affected } from '../../platform/database/sql';
import { copyLine, CopyStage, type CopyValue } from './copy-stage';

export interface SyncStats {
  users: number;
  admins: number;
  groups: number;
  memberships: number;
  applications: number;
  added: number;
  removed: number;
  updated: number;
  apiCalls: number;
}

/** Removals a run held back because they were too many; the next run that agrees applies them. */
export interface HeldRemovals {
  accounts?: { count: number; digest: string; share: number };
  memberships?: { count: number; digest: string; share: number };
}

export interface SyncOutcome {
  stats: SyncStats;
  held: HeldRemovals;
  membershipsAdded: number;
  membershipsRemoved: number;
  /** Member entries naming a user the user listing did not return (changed while listing). */
  unresolvedMembers: number;
  /** Membership changes left to the next run: jumpgate changed the pair after this run began listing. */
  membershipsDeferred: number;
}

/** A listing that did not come back whole: the run must not remove anything on its account. */
export class IncompleteListingError extends Error {
  constructor(what: string, got: number, total: number) {
    super(`JumpCloud listed ${got} ${what} but reported ${total}; the listing changed or came up short`);
    this.name = 'IncompleteListingError';
  }
}

export interface EngineOptions {
  connectionId: string;
  runId: string;
  /** Percent of live accounts or memberships above which removals are held. */
  holdPercent: number;
  /** What the previous run held, to apply removals when this run agrees. */
  previouslyHeld: HeldRemovals | null;
  /** Group member listings in flight at once (the client's per-connection limiter caps requests). */
  groupConcurrency?: number;
  /**
   * When this run began (before its first listing). A membership jumpgate changed in JumpCloud after
   * this moment may be missing from, or stale in, the listing: the merge leaves it to the next run.
   */
  startedAt: Date;
}

const ACCOUNT_COLS = [
  'id',
  'kind',
  'external_id',
  'email',
  'username',
  'display_name',
  'state',
  'manager_external_id',
  'department',
  'job_title',
  'admin_roles',
];

function userRow(id: string, u: JumpCloudSystemUser): (string | null | string[])[] {
  const name = u.displayname?.trim() || [u.firstname, u.lastname].filter(Boolean).join(' ').trim() || null;
  return [id, 'user', u.id, u.email, u.username, name, u.state, u.managerId, u.department, u.jobTitle, []];
}

function adminRow(id: string, a: JumpCloudAdministrator): (string | null | string[])[] {
  const name = [a.firstname, a.lastname].filter(Boolean).join(' ').trim() || null;
  const roles = a.roleNames.length > 0 ? a.roleNames : a.roleName ? [a.roleName] : [];
  // Administrators have no profile attributes (seed 004 FAQ): no manager, department or title.
  return [
    id,
    'admin',
    a.id,
    a.email,
    a.email,
    name,
    a.suspended ? 'SUSPENDED' : 'ACTIVATED',
    null,
    null,
    null,
    roles,
  ];
}

/** Drains a listing into a stage, checking that it came back whole (count = JumpCloud's total). */
async function drain<T>(
  what: string,
  pages: AsyncGenerator<JumpCloudPage<T>>,
  onItem: (item: T) => Promise<void> | undefined,
): Promise<number> {
  let count = 0;
  let total: number | null = null;
  for await (const page of pages) {
    if (page.total !== null) total = page.total;
    for (const item of page.items) {
      // Most items need no wait (undefined): awaiting each would cost a microtask per row.
      const wait = onItem(item);
      if (wait !== undefined) await wait;
      count++;
    }
  }
  if (total !== null && total !== count) throw new IncompleteListingError(what, count, total);
  return count;
}

/**
 * One sync of one connection: every listing streams into session-local staging tables through COPY,
 * then a handful of set-wise statements write only what changed (ARCHITECTURE.md rule 1). Nothing is
 * written to the directory unless every listing completed.
 */
export class DirectorySyncEngine {
  private readonly pg: PoolClient;

  constructor(
    private readonly qr: QueryRunner,
    private readonly client: JumpCloudClient,
    private readonly opts: EngineOptions,
  ) {
    this.pg = (qr as unknown as { databaseConnection: PoolClient }).databaseConnection;
  }

  /** Milliseconds spent per phase of this run, kept with the run's stats for operators and benchmarks. */
  readonly timings: Record<string, number> = {};
  /** Member entries naming a user the user listing did not return. */
  private unresolvedMembers = 0;
  /** See SyncOutcome.membershipsDeferred. */
  private membershipsDeferred = 0;
  /** Memberships this run copied as the connection's first (see `stage`); null when not a baseline. */
  private baselineMemberships: number | null = null;
  /** Accounts of a new connection, copied straight into the directory (see `stage`); null otherwise. */
  private accountsCopied: number | null = null;
  /** The moment the merge records its changes (set when it begins). */
  private at = '';
  private mark = Date.now();

  private q<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    return this.qr.query(sql, params) as Promise<T>;
  }

  /** Runs `fill` against a COPY into `table`, ending it on success and abandoning it on failure. */
  private async copy(
    table: string,
    columns: string[],
    fill: (stage: CopyStage) => Promise<unknown>,
  ): Promise<number> {
    const stage = new CopyStage(this.pg, table, columns);
    try {
      await fill(stage);
      await stage.end();
      return stage.rows;
    } catch (err) {
      stage.destroy(err as Error);
      throw err;
    }
  }

  /** Rows a statement wrote, without shipping them back (RETURNING a million rows costs seconds). */
  private async count(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pg.query(sql, params)).rowCount ?? 0;
  }

  /** jumpgate ids of this connection's accounts and groups by `kind:externalId` / `group:externalId`. */
  private async knownIds(): Promise<Map<string, string>> {
    const rows = await this.q<{ k: string; id: string }[]>(
      `SELECT kind || ':' || external_id AS k, id::text AS id FROM directory_accounts WHERE connection_id = $1
       UNION ALL
       SELECT 'group:' || external_id, id::text FROM directory_groups WHERE connection_id = $1`,
      [this.opts.connectionId],
    );
    return new Map(rows.map((r) => [r.k, r.id]));
  }

  /** Attributes the time since the previous lap to `phase`. */
  private lap(phase: string): void {
    const now = Date.now();
    this.timings[phase] = (this.timings[phase] ?? 0) + (now - this.mark);
    this.mark = now;
  }

  async stage(): Promise<void> {
    this.mark = Date.now();
    await this.q(
      `DROP TABLE IF EXISTS stage_accounts, stage_accounts_u, stage_groups, stage_groups_u, stage_pairs, pair_changes,
         stage_apps, stage_apps_u, stage_bindings, stage_binding_pairs`,
    );
    await this.q(`CREATE TEMP TABLE stage_accounts (
      id uuid, kind text, external_id text, email text, username text, display_name text, state text,
      manager_external_id text, department text, job_title text, admin_roles text[])`);
    await this.q(
      `CREATE TEMP TABLE stage_groups (id uuid, external_id text, name text, description text, membership_method text)`,
    );
    await this.q(`CREATE TEMP TABLE stage_pairs (group_id uuid, account_id uuid)`);
    await this.q(`CREATE TEMP TABLE stage_apps (external_id text, name text)`);
    await this.q(`CREATE TEMP TABLE stage_bindings (app_external_id text, group_external_id text)`);

    // A credential that no longer reaches this organisation must not sync anything.
    await this.client.getOrganization();

    // Accounts and groups get their jumpgate ids here (known rows keep theirs, new ones get a fresh
    // uuid), so memberships are staged already resolved instead of joined on external ids later.
    const known = await this.knownIds();
    // Listed ids by external id, one map per kind; `known` is keyed by `kind:externalId`. Returns
    // null for an entry listed twice (a shifted page), which is staged once.
    const idFor = (listed: Map<string, string>, kind: string, externalId: string): string | null => {
      if (listed.has(externalId)) return null;
      const id = known.get(`${kind}:${externalId}`) ?? randomUUID();
      listed.set(externalId, id);
      return id;
    };
    const users = new Map<string, string>();
    const admins = new Map<string, string>();
    const listAccounts = async (write: (values: CopyValue[]) => Promise<void> | undefined): Promise<void> => {
      await drain('system users', this.client.listSystemUsers({ readAhead: 8 }), (u) => {
        const id = idFor(users, 'user', u.id);
        return id === null ? undefined : write(userRow(id, u));
      });
      await drain('administrators', this.client.listAdministrators({ readAhead: 8 }), (a) => {
        const id = idFor(admins, 'admin', a.id);
        return id === null ? undefined : write(adminRow(id, a));
      });
    };

    const groupIds = new Map<string, string>();
    await this.copy(
      'stage_groups',
      ['id', 'external_id', 'name', 'description', 'membership_method'],
      (stage) =>
        drain('user groups', this.client.listUserGroups({ readAhead: 8 }), (g) => {
          const id = idFor(groupIds, 'group', g.id);
          return id === null ? undefined : stage.write([id, g.id, g.name, g.description, g.membershipMethod]);
        }),
    );
    this.lap('stage.groups');

    const [{ baseline }] = await this.q<{ baseline: boolean }[]>(
      `SELECT NOT EXISTS (SELECT 1 FROM directory_memberships WHERE connection_id = $1) AS baseline`,
      [this.opts.connectionId],
    );
    // Every group's member listing, each pair once (a repeated entry, e.g. from a shifted page, is skipped).
    const listMembers = (onMember: (groupId: string, userExternalId: string) => Promise<void> | undefined) =>
      this.forEachConcurrently(
        [...groupIds],
        this.opts.groupConcurrency ?? 8,
        ([externalGroupId, groupId]) => {
          const seen = new Set<string>();
          return drain(
            `members of group ${externalGroupId}`,
            this.client.listGroupMembers(externalGroupId),
            (m) => {
              if (m.type !== 'user' || seen.has(m.id)) return undefined;
              seen.add(m.id);
              return onMember(groupId, m.id);
            },
          );
        },
      );

    if (baseline) {
      // A connection's first memberships (its baseline) are all new: they are copied straight into the
      // directory inside the run's transaction, opened here, so writing them overlaps the listing
      // instead of following it. Nothing is visible until the run commits; a failed listing rolls it
      // all back. Their users must be listed first: every one of them is new.
      await this.qr.startTransaction();
      if ([...known.keys()].every((k) => k.startsWith('group:'))) {
        // A new connection: its accounts go straight into the directory too (nothing to compare with).
        const c = this.opts.connectionId;
        this.accountsCopied = await this.copy(
          'directory_accounts',
          [...ACCOUNT_COLS, 'connection_id'],
          (stage) => listAccounts((v) => stage.write([...v, c])),
        );
        // Through the owner's function: the server's role may not ANALYZE (migration 1764000009100).
        await this.q(`SELECT jumpgate_analyze('directory_accounts')`);
      } else {
        await this.copy('stage_accounts', ACCOUNT_COLS, (stage) => listAccounts((v) => stage.write(v)));
      }
      this.lap('stage.accounts');
      // `since` takes its default, the moment each row is written; seen_at_baseline says it is not a
      // join date (campaigns do not call these members recent).
      const lineEnd = `\t${this.opts.connectionId}\tt\n`;
      this.baselineMemberships = await this.copy(
        'directory_memberships',
        ['group_id', 'account_id', 'connection_id', 'seen_at_baseline'],
        (stage) =>
          listMembers((groupId, userExternalId) => {
            const accountId = users.get(userExternalId);
            if (accountId === undefined) {
              this.unresolvedMembers++;
              return undefined;
            }
            // Ids are uuids: the COPY line is written as is, without per-value escaping.
            return stage.writeLine(`${groupId}\t${accountId}${lineEnd}`);
          }),
      );
      this.lap('stage.memberships');
    } else {
      // Users are listed while the members are: a member is resolved through the users listed so far
      // or the ids already known; the rest wait for the user listing to finish. Account rows are held
      // in memory meanwhile (a session copies one table at a time) and copied afterwards.
      const accountLines: string[] = [];
      const pending: [string, string][] = [];
      const viaKnown = new Set<string>();
      let accountsListed = false;
      // The first listing to fail stops the other at its next entry; both have stopped before the COPY ends.
      const abort: { reason: Error | null } = { reason: null };
      const stopOnFailure = (p: Promise<unknown>): Promise<unknown> =>
        p.catch((err: unknown) => {
          abort.reason ??= err instanceof Error ? err : new Error(String(err));
        });
      await this.copy('stage_pairs', ['group_id', 'account_id'], async (stage) => {
        await Promise.all([
          stopOnFailure(
            listAccounts((v) => {
              if (abort.reason !== null) return Promise.reject(abort.reason);
              accountLines.push(copyLine(v));
              return undefined;
            }).then(() => {
              accountsListed = true;
              this.lap('stage.accounts');
            }),
          ),
          stopOnFailure(
            listMembers((groupId, userExternalId) => {
              if (abort.reason !== null) return Promise.reject(abort.reason);
              let accountId = users.get(userExternalId);
              if (accountId === undefined && !accountsListed) {
                accountId = known.get(`user:${userExternalId}`);
                if (accountId === undefined) {
                  pending.push([groupId, userExternalId]);
                  return undefined;
                }
                viaKnown.add(userExternalId);
              }
              if (accountId === undefined) {
                this.unresolvedMembers++;
                return undefined;
              }
              return stage.writeLine(`${groupId}\t${accountId}\n`);
            }),
          ),
        ]);
        if (abort.reason !== null) throw abort.reason;
      });
      await this.copy('stage_accounts', ACCOUNT_COLS, async (stage) => {
        for (const line of accountLines.splice(0)) await stage.writeLine(line);
      });
      await this.copy('stage_pairs', ['group_id', 'account_id'], async (stage) => {
        for (const [groupId, userExternalId] of pending.splice(0)) {
          const accountId = users.get(userExternalId);
          if (accountId === undefined) this.unresolvedMembers++;
          else await stage.writeLine(`${groupId}\t${accountId}\n`);
        }
      });
      // Members resolved through a known id whose user this listing did not return after all.
      const unlisted = [...viaKnown].filter((e) => !users.has(e)).map((e) => known.get(`user:${e}`));
      if (unlisted.length > 0) {
        this.unresolvedMembers += await this.count(
          `DELETE FROM stage_pairs WHERE account_id = ANY($1::uuid[])`,
          [unlisted],
        );
      }
      this.lap('stage.memberships');
    }
    known.clear();

    const appIds = new Set<string>();
    await this.copy('stage_apps', ['external_id', 'name'], (stage) =>
      drain('applications', this.client.listApplications({ readAhead: 8 }), (a) => {
        if (appIds.has(a.id)) return undefined;
        appIds.add(a.id);
        return stage.write([a.id, a.label]);
      }),
    );
    await this.copy('stage_bindings', ['app_external_id', 'group_external_id'], (stage) =>
      this.forEachConcurrently([...appIds], this.opts.groupConcurrency ?? 8, (appId) =>
        drain(`groups bound to application ${appId}`, this.client.listApplicationGroups(appId), (b) =>
          stage.write([appId, b.groupId]),
        ),
      ),
    );
    this.lap('stage.applications');
    // stage_pairs (a million rows) is left out: the planner sizes it from its pages, enough for the diff's hash join.
    // The session's own temporary tables: any role may ANALYZE those directly.
    await this.q(`ANALYZE stage_accounts, stage_groups, stage_apps, stage_bindings`);
    this.lap('stage.analyze');
  }

  private async forEachConcurrently<T>(
    items: T[],
    concurrency: number,
    fn: (item: T) => Promise<unknown>,
  ): Promise<void> {
    let next = 0;
    // A holder, since TypeScript does not see the workers assign it.
    const state: { failure: Error | null } = { failure: null };
    const worker = async (): Promise<void> => {
      while (state.failure === null && next < items.length) {
        const item = items[next++];
        try {
          await fn(item);
        } catch (err) {
          state.failure ??= err instanceof Error ? err : new Error(String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    if (state.failure !== null) throw state.failure;
  }

  /**
   * Writes only what changed; runs inside the run's transaction on the same session (opened by the
   * caller, or already by `stage` for a baseline).
   */
  async merge(): Promise<Omit<SyncOutcome, 'stats'> & { stats: Omit<SyncStats, 'apiCalls'> }> {
    this.mark = Date.now();
    const c = this.opts.connectionId;
    const run = this.opts.runId;
    // The moment this run records its changes: now() would be the start of the run's transaction,
    // which a first sync opens before it lists (minutes earlier). As text, to keep microseconds.
    const [{ at }] = await this.q<{ at: string }[]>(`SELECT clock_timestamp()::text AS at`);
    this.at = at;
    let added = 0;
    let removed = 0;
    let updated = 0;
    const held: HeldRemovals = {};
    // The hold share is measured against what was live before this run, not after its additions.
    const [before] = await this.q<{ accounts: number; memberships: number }[]>(
      `SELECT (SELECT count(*) FROM directory_accounts WHERE connection_id = $1 AND removed_at IS NULL)::int AS accounts,
              (SELECT count(*) FROM directory_memberships WHERE connection_id = $1 AND removed_at IS NULL)::int AS memberships`,
      [c],
    );

    // ---- accounts (users and administrators), then groups: changed rows only, removals maybe held
    if (this.accountsCopied !== null) {
      added += this.accountsCopied;
    } else {
      const accounts = await this.mergeEntities({
        table: 'directory_accounts',
        stage: 'stage_accounts',
        withId: true,
        keys: ['kind', 'external_id'],
        // Everything after the id and the key.
        values: ACCOUNT_COLS.slice(3),
      });
      added += accounts.added;
      updated += accounts.updated;
      const accountRemoval = await this.decideRemoval(
        'accounts',
        `SELECT a.id FROM directory_accounts a ${accounts.goneWhere}`,
        [c],
        before.accounts,
      );
      if (accountRemoval.apply) {
        removed += await this.sweep('directory_accounts', accounts.goneWhere);
      } else if (accountRemoval.held) {
        held.accounts = accountRemoval.held;
      }
    }
    this.lap('merge.accounts');
    const groups = await this.mergeEntities({
      table: 'directory_groups',
      stage: 'stage_groups',
      withId: true,
      keys: ['external_id'],
      values: ['name', 'description', 'membership_method'],
    });
    added += groups.added;
    updated += groups.updated;
    removed += await this.sweep('directory_groups', groups.goneWhere);

    // ---- memberships (direct), staged already resolved to jumpgate ids
    this.lap('merge.groups');
    // The diff below hashes a million pairs on each side: enough memory to do it without spilling.
    await this.q(`SET LOCAL work_mem = '64MB'`);
    let membershipsAdded: number;
    let membershipsRemoved = 0;
    if (this.baselineMemberships !== null) {
      // Copied while listing (see `stage`). No history row each: nothing changed, jumpgate started
      // looking, and `since` says when. History records every change after the baseline.
      membershipsAdded = this.baselineMemberships;
    } else {
      // One pass over both sides finds every pair to add, revive or remove.
      await this.q(
        `CREATE TEMP TABLE pair_changes AS
         SELECT coalesce(p.group_id, m.group_id) AS group_id, coalesce(p.account_id, m.account_id) AS account_id,
                CASE WHEN m.group_id IS NULL THEN 'add' WHEN p.group_id IS NULL THEN 'remove' ELSE 'revive' END AS change
         FROM stage_pairs p
         FULL JOIN (SELECT group_id, account_id, removed_at FROM directory_memberships WHERE connection_id = $1) m
           ON m.group_id = p.group_id AND m.account_id = p.account_id
         WHERE m.group_id IS NULL OR (p.group_id IS NULL AND m.removed_at IS NULL)
            OR (p.group_id IS NOT NULL AND m.removed_at IS NOT NULL)`,
        [c],
      );
      // A membership jumpgate itself changed after this run began listing may have been listed before
      // the change: the directory copy (written when the operation succeeded) is newer than the
      // listing. Reverting it would record jumpgate's own change as one made outside; the next run,
      // whose listing starts after the change, compares it instead.
      this.membershipsDeferred = await this.count(
        `DELETE FROM pair_changes x USING directory_membership_history h
         WHERE h.connection_id = $1 AND h.operation_id IS NOT NULL AND h.at >= $2
           AND h.group_id = x.group_id AND h.account_id = x.account_id`,
        [c, this.opts.startedAt],
      );
      this.lap('merge.memberships.diff');
      const revived = await this.count(
        `UPDATE directory_memberships m SET removed_at = NULL, since = $1, seen_at_baseline = false FROM pair_changes x
         WHERE x.change = 'revive' AND m.group_id = x.group_id AND m.account_id = x.account_id AND m.removed_at IS NOT NULL`,
        [at],
      );
      const inserted = await this.count(
        `INSERT INTO directory_memberships (group_id, account_id, connection_id, since)
         SELECT group_id, account_id, $1, $2::timestamptz FROM pair_changes WHERE change = 'add' ORDER BY group_id, account_id`,
        [c, at],
      );
      await this.count(
        `INSERT INTO directory_membership_history (connection_id, run_id, group_id, account_id, change, at)
         SELECT $1, $2, group_id, account_id, 'added', $3::timestamptz FROM pair_changes WHERE change IN ('add', 'revive')`,
        [c, run, at],
      );
      membershipsAdded = revived + inserted;
      this.lap('merge.memberships.add');
      const memberRemoval = await this.decideRemoval(
        'memberships',
        `SELECT x.group_id::text || ':' || x.account_id::text AS id FROM pair_changes x WHERE x.change = 'remove'`,
        [],
        before.memberships,
      );
      if (memberRemoval.apply) {
        membershipsRemoved = await this.count(
          `WITH d AS (
             UPDATE directory_memberships m SET removed_at = $3 FROM pair_changes x
             WHERE x.change = 'remove' AND m.group_id = x.group_id AND m.account_id = x.account_id AND m.removed_at IS NULL
             RETURNING m.group_id, m.account_id)
           INSERT INTO directory_membership_history (connection_id, run_id, group_id, account_id, change, at)
           SELECT $1, $2, group_id, account_id, 'removed', $3::timestamptz FROM d`,
          [c, run, at],
        );
      } else if (memberRemoval.held) {
        held.memberships = memberRemoval.held;
      }
      this.lap('merge.memberships.remove');
    }
    added += membershipsAdded;
    removed += membershipsRemoved;

    // ---- applications and the groups bound to them
    const apps = await this.mergeEntities({
      table: 'directory_applications',
      stage: 'stage_apps',
      keys: ['external_id'],
      values: ['name'],
    });
    added += apps.added;
    updated += apps.updated;
    removed += await this.sweep('directory_applications', apps.goneWhere);
    await this.q(
      `CREATE TEMP TABLE stage_binding_pairs AS
       SELECT DISTINCT d.id AS application_id, g.id AS group_id
       FROM stage_bindings b
       JOIN directory_applications d ON d.connection_id = $1 AND d.external_id = b.app_external_id AND d.removed_at IS NULL
       JOIN directory_groups g ON g.connection_id = $1 AND g.external_id = b.group_external_id AND g.removed_at IS NULL`,
      [c],
    );
    added += (
      await this.q<unknown[]>(
        `INSERT INTO directory_application_groups (application_id, group_id, connection_id)
         SELECT p.application_id, p.group_id, $1 FROM stage_binding_pairs p
         WHERE NOT EXISTS (SELECT 1 FROM directory_application_groups x
                           WHERE x.application_id = p.application_id AND x.group_id = p.group_id)
         RETURNING 1`,
        [c],
      )
    ).length;
    removed += affected(
      await this.q(
        `DELETE FROM directory_application_groups x WHERE x.connection_id = $1
           AND NOT EXISTS (SELECT 1 FROM stage_binding_pairs p WHERE p.application_id = x.application_id AND p.group_id = x.group_id)`,
        [c],
      ),
    );

    this.lap('merge.applications');
    if (added + removed + updated > 10_000) {
      // Fresh statistics for the queries that follow on tables that just changed a lot.
      await this.q(
        `SELECT jumpgate_analyze('directory_accounts', 'directory_groups', 'directory_memberships')`,
      );
    }
    this.lap('merge.analyze');
    const [counts] = await this.q<
      Record<'users' | 'admins' | 'groups' | 'memberships' | 'applications', number>[]
    >(
      `SELECT
         (SELECT count(*) FROM directory_accounts WHERE connection_id = $1 AND kind = 'user' AND removed_at IS NULL)::int AS users,
         (SELECT count(*) FROM directory_accounts WHERE connection_id = $1 AND kind = 'admin' AND removed_at IS NULL)::int AS admins,
         (SELECT count(*) FROM directory_groups WHERE connection_id = $1 AND removed_at IS NULL)::int AS groups,
         (SELECT count(*) FROM directory_memberships WHERE connection_id = $1 AND removed_at IS NULL)::int AS memberships,
         (SELECT count(*) FROM directory_applications WHERE connection_id = $1 AND removed_at IS NULL)::int AS applications`,
      [c],
    );
    await this.q(
      `DROP TABLE IF EXISTS stage_accounts, stage_accounts_u, stage_groups, stage_groups_u, stage_pairs, pair_changes,
         stage_apps, stage_apps_u, stage_bindings, stage_binding_pairs`,
    );
    this.lap('merge.count');
    return {
      stats: { ...counts, added, removed, updated },
      held,
      membershipsAdded,
      membershipsRemoved,
      membershipsDeferred: this.membershipsDeferred,
      unresolvedMembers: this.unresolvedMembers,
    };
  }

  /**
   * The set-wise merge of one staged listing into its table: rows that came back are revived,
   * changed rows updated, new rows inserted, each statement touching only rows that differ.
   * Returns counts and the WHERE clause (over alias `a`) of live rows the listing lacked.
   */
  private async mergeEntities(spec: {
    table: string;
    stage: string;
    keys: string[];
    values: string[];
    /** The stage carries the row's id (assigned while staging) rather than leaving it to the default. */
    withId?: boolean;
  }): Promise<{ added: number; updated: number; goneWhere: string }> {
    const c = this.opts.connectionId;
    // Staging wrote each key once (see `stage`), and analysed the stage.
    const u = spec.stage;
    const match = spec.keys.map((k) => `a.${k} = s.${k}`).join(' AND ');
    const set = spec.values.map((v) => `${v} = s.${v}`).join(', ');
    const revived = affected(
      await this.q(
        `UPDATE ${spec.table} a SET ${set}, removed_at = NULL, updated_at = $2 FROM ${u} s
         WHERE a.connection_id = $1 AND ${match} AND a.removed_at IS NOT NULL`,
        [c, this.at],
      ),
    );
    const updated = affected(
      await this.q(
        `UPDATE ${spec.table} a SET ${set}, updated_at = $2 FROM ${u} s
         WHERE a.connection_id = $1 AND ${match} AND a.removed_at IS NULL
           AND (${spec.values.map((v) => `a.${v}`).join(', ')}) IS DISTINCT FROM (${spec.values.map((v) => `s.${v}`).join(', ')})`,
        [c, this.at],
      ),
    );
    const cols = [...(spec.withId ? ['id'] : []), ...spec.keys, ...spec.values];
    const inserted = await this.count(
      `INSERT INTO ${spec.table} (connection_id, created_at, updated_at, ${cols.join(', ')})
       SELECT $1, $2::timestamptz, $2::timestamptz, ${cols.map((k) => `s.${k}`).join(', ')} FROM ${u} s
       WHERE NOT EXISTS (SELECT 1 FROM ${spec.table} a WHERE a.connection_id = $1 AND ${match})`,
      [c, this.at],
    );
    if (inserted > 1000) {
      // The queries that follow plan with this table's row count: not the one from before the insert.
      await this.q(`SELECT jumpgate_analyze($1::regclass)`, [spec.table]);
    }
    const goneWhere = `WHERE a.connection_id = $1 AND a.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${u} s WHERE ${match})`;
    return { added: revived + inserted, updated, goneWhere };
  }

  /** Marks removed the live rows a completed listing lacked (mark and sweep). */
  private async sweep(table: string, goneWhere: string): Promise<number> {
    return this.count(`UPDATE ${table} a SET removed_at = $2, updated_at = $2 ${goneWhere}`, [
      this.opts.connectionId,
      this.at,
    ]);
  }

  /**
   * Whether to apply the removals `candidatesSql` selects: yes when they are within the hold share of
   * the live rows, or when the previous run held exactly the same set (the next sync agrees).
   */
  private async decideRemoval(
    kind: 'accounts' | 'memberships',
    candidatesSql: string,
    params: unknown[],
    live: number,
  ): Promise<{ apply: boolean; held?: { count: number; digest: string; share: number } }> {
    const [{ count, digest }] = await this.q<{ count: number; digest: string | null }[]>(
      `SELECT count(*)::int AS count, md5(string_agg(x.id::text, ',' ORDER BY x.id::text)) AS digest
       FROM (${candidatesSql}) x`,
      params,
    );
    if (count === 0) return { apply: false };
    const share = live === 0 ? 1 : count / live;
    if (share * 100 <= this.opts.holdPercent) return { apply: true };
    const previous = this.opts.previouslyHeld?.[kind];
    if (previous && previous.digest === digest && previous.count === count) return { apply: true };
    return { apply: false, held: { count, digest: digest ?? '', share: Math.round(share * 1000) / 1000 } };
  }
}

import { type PoolClient } from 'pg';
import { type QueryRunner } from 'typeorm';
import {
  type JumpCloudAdministrator,
  type JumpCloudClient,
  type JumpCloudPage,
  type JumpCloudSystemUser,
} from '../../jumpcloud';
import { affected } from '../../platform/database/sql';
import { CopyStage } from './copy-stage';

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
}

const ACCOUNT_COLS = [
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

function userRow(u: JumpCloudSystemUser): (string | null | string[])[] {
  const name = u.displayname?.trim() || [u.firstname, u.lastname].filter(Boolean).join(' ').trim() || null;
  return ['user', u.id, u.email, u.username, name, u.state, u.managerId, u.department, u.jobTitle, []];
}

function adminRow(a: JumpCloudAdministrator): (string | null | string[])[] {
  const name = [a.firstname, a.lastname].filter(Boolean).join(' ').trim() || null;
  const roles = a.roleNames.length > 0 ? a.roleNames : a.roleName ? [a.roleName] : [];
  // Administrators have no profile attributes (seed 004 FAQ): no manager, department or title.
  return [
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
  onItem: (item: T) => Promise<void>,
): Promise<number> {
  let count = 0;
  let total: number | null = null;
  for await (const page of pages) {
    if (page.total !== null) total = page.total;
    for (const item of page.items) {
      await onItem(item);
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
  private mark = Date.now();

  private q<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    return this.qr.query(sql, params) as Promise<T>;
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
      `DROP TABLE IF EXISTS stage_accounts, stage_accounts_u, stage_groups, stage_groups_u, stage_members, stage_pairs,
         stage_apps, stage_apps_u, stage_bindings, stage_binding_pairs`,
    );
    await this.q(`CREATE TEMP TABLE stage_accounts (
      kind text, external_id text, email text, username text, display_name text, state text,
      manager_external_id text, department text, job_title text, admin_roles text[])`);
    await this.q(
      `CREATE TEMP TABLE stage_groups (external_id text, name text, description text, membership_method text)`,
    );
    await this.q(`CREATE TEMP TABLE stage_members (group_external_id text, user_external_id text)`);
    await this.q(`CREATE TEMP TABLE stage_apps (external_id text, name text)`);
    await this.q(`CREATE TEMP TABLE stage_bindings (app_external_id text, group_external_id text)`);

    // A credential that no longer reaches this organisation must not sync anything.
    await this.client.getOrganization();

    const accounts = new CopyStage(this.pg, 'stage_accounts', ACCOUNT_COLS);
    try {
      await drain('system users', this.client.listSystemUsers({ readAhead: 4 }), (u) =>
        accounts.write(userRow(u)),
      );
      await drain('administrators', this.client.listAdministrators({ readAhead: 4 }), (a) =>
        accounts.write(adminRow(a)),
      );
      await accounts.end();
      this.lap('stage.accounts');
    } catch (err) {
      accounts.destroy(err as Error);
      throw err;
    }

    const groupIds: string[] = [];
    const groups = new CopyStage(this.pg, 'stage_groups', [
      'external_id',
      'name',
      'description',
      'membership_method',
    ]);
    try {
      await drain('user groups', this.client.listUserGroups({ readAhead: 4 }), (g) => {
        groupIds.push(g.id);
        return groups.write([g.id, g.name, g.description, g.membershipMethod]);
      });
      await groups.end();
      this.lap('stage.groups');
    } catch (err) {
      groups.destroy(err as Error);
      throw err;
    }

    const members = new CopyStage(this.pg, 'stage_members', ['group_external_id', 'user_external_id']);
    try {
      await this.forEachConcurrently(groupIds, this.opts.groupConcurrency ?? 8, (groupId) =>
        drain(`members of group ${groupId}`, this.client.listGroupMembers(groupId), (m) =>
          m.type === 'user' ? members.write([groupId, m.id]) : Promise.resolve(),
        ),
      );
      await members.end();
      this.lap('stage.memberships');
    } catch (err) {
      members.destroy(err as Error);
      throw err;
    }

    const appIds: string[] = [];
    const apps = new CopyStage(this.pg, 'stage_apps', ['external_id', 'name']);
    try {
      await drain('applications', this.client.listApplications({ readAhead: 4 }), (a) => {
        appIds.push(a.id);
        return apps.write([a.id, a.label]);
      });
      await apps.end();
    } catch (err) {
      apps.destroy(err as Error);
      throw err;
    }

    const bindings = new CopyStage(this.pg, 'stage_bindings', ['app_external_id', 'group_external_id']);
    try {
      await this.forEachConcurrently(appIds, this.opts.groupConcurrency ?? 8, (appId) =>
        drain(`groups bound to application ${appId}`, this.client.listApplicationGroups(appId), (b) =>
          bindings.write([appId, b.groupId]),
        ),
      );
      await bindings.end();
      this.lap('stage.applications');
    } catch (err) {
      bindings.destroy(err as Error);
      throw err;
    }
    await this.q(`ANALYZE stage_accounts, stage_groups, stage_members, stage_apps, stage_bindings`);
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

  /** Writes only what changed; runs inside the caller's transaction on the same session. */
  async merge(): Promise<Omit<SyncOutcome, 'stats'> & { stats: Omit<SyncStats, 'apiCalls'> }> {
    this.mark = Date.now();
    const c = this.opts.connectionId;
    const run = this.opts.runId;
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
    const accounts = await this.mergeEntities({
      table: 'directory_accounts',
      stage: 'stage_accounts',
      keys: ['kind', 'external_id'],
      values: [
        'email',
        'username',
        'display_name',
        'state',
        'manager_external_id',
        'department',
        'job_title',
        'admin_roles',
      ],
    });
    added += accounts.added;
    updated += accounts.updated;
    const accountRemoval = await this.decideRemoval(
      'accounts',
      `SELECT a.id ${accounts.goneSql}`,
      before.accounts,
    );
    if (accountRemoval.apply) {
      removed += await this.sweep('directory_accounts', accounts.goneSql);
    } else if (accountRemoval.held) {
      held.accounts = accountRemoval.held;
    }

    this.lap('merge.accounts');
    const groups = await this.mergeEntities({
      table: 'directory_groups',
      stage: 'stage_groups',
      keys: ['external_id'],
      values: ['name', 'description', 'membership_method'],
    });
    added += groups.added;
    updated += groups.updated;
    removed += await this.sweep('directory_groups', groups.goneSql);

    this.lap('merge.groups');
    // ---- memberships (direct), resolved to jumpgate ids
    await this.q(
      `CREATE TEMP TABLE stage_pairs AS
       SELECT DISTINCT g.id AS group_id, a.id AS account_id
       FROM stage_members sm
       JOIN directory_groups g ON g.connection_id = $1 AND g.external_id = sm.group_external_id AND g.removed_at IS NULL
       JOIN directory_accounts a ON a.connection_id = $1 AND a.kind = 'user' AND a.external_id = sm.user_external_id
            AND a.removed_at IS NULL`,
      [c],
    );
    await this.q(`ALTER TABLE stage_pairs ADD PRIMARY KEY (group_id, account_id)`);
    await this.q(`ANALYZE stage_pairs`);
    const [{ staged, resolved }] = await this.q<{ staged: number; resolved: number }[]>(
      `SELECT (SELECT count(*) FROM (SELECT DISTINCT group_external_id, user_external_id FROM stage_members) x)::int AS staged,
              (SELECT count(*) FROM stage_pairs)::int AS resolved`,
    );
    this.lap('merge.memberships.resolve');
    const readded = await this.q<unknown[]>(
      `WITH r AS (
         UPDATE directory_memberships m SET removed_at = NULL, since = now()
         FROM stage_pairs p WHERE m.group_id = p.group_id AND m.account_id = p.account_id AND m.removed_at IS NOT NULL
         RETURNING m.group_id, m.account_id)
       INSERT INTO directory_membership_history (connection_id, run_id, group_id, account_id, change)
       SELECT $1, $2, group_id, account_id, 'added' FROM r RETURNING 1`,
      [c, run],
    );
    const inserted = await this.q<unknown[]>(
      `WITH i AS (
         INSERT INTO directory_memberships (group_id, account_id, connection_id)
         SELECT p.group_id, p.account_id, $1 FROM stage_pairs p
         WHERE NOT EXISTS (SELECT 1 FROM directory_memberships m WHERE m.group_id = p.group_id AND m.account_id = p.account_id)
         RETURNING group_id, account_id)
       INSERT INTO directory_membership_history (connection_id, run_id, group_id, account_id, change)
       SELECT $1, $2, group_id, account_id, 'added' FROM i RETURNING 1`,
      [c, run],
    );
    this.lap('merge.memberships.add');
    const membershipsAdded = readded.length + inserted.length;
    added += membershipsAdded;
    const goneMembers = `FROM directory_memberships m WHERE m.connection_id = $1 AND m.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM stage_pairs p WHERE p.group_id = m.group_id AND p.account_id = m.account_id)`;
    const memberRemoval = await this.decideRemoval(
      'memberships',
      `SELECT m.group_id::text || ':' || m.account_id::text AS id ${goneMembers}`,
      before.memberships,
    );
    let membershipsRemoved = 0;
    if (memberRemoval.apply) {
      membershipsRemoved = (
        await this.q<unknown[]>(
          `WITH d AS (
             UPDATE directory_memberships m SET removed_at = now()
             WHERE m.connection_id = $1 AND m.removed_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM stage_pairs p WHERE p.group_id = m.group_id AND p.account_id = m.account_id)
             RETURNING m.group_id, m.account_id)
           INSERT INTO directory_membership_history (connection_id, run_id, group_id, account_id, change)
           SELECT $1, $2, group_id, account_id, 'removed' FROM d RETURNING 1`,
          [c, run],
        )
      ).length;
      removed += membershipsRemoved;
    } else if (memberRemoval.held) {
      held.memberships = memberRemoval.held;
    }

    this.lap('merge.memberships.remove');
    // ---- applications and the groups bound to them
    const apps = await this.mergeEntities({
      table: 'directory_applications',
      stage: 'stage_apps',
      keys: ['external_id'],
      values: ['name'],
    });
    added += apps.added;
    updated += apps.updated;
    removed += await this.sweep('directory_applications', apps.goneSql);
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
      await this.q(`ANALYZE directory_accounts, directory_groups, directory_memberships`);
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
      `DROP TABLE IF EXISTS stage_accounts, stage_accounts_u, stage_groups, stage_groups_u, stage_members, stage_pairs,
         stage_apps, stage_apps_u, stage_bindings, stage_binding_pairs`,
    );
    this.lap('merge.count');
    return {
      stats: { ...counts, added, removed, updated },
      held,
      membershipsAdded,
      membershipsRemoved,
      unresolvedMembers: staged - resolved,
    };
  }

  /**
   * The set-wise merge of one staged listing into its table: rows that came back are revived,
   * changed rows updated, new rows inserted, each statement touching only rows that differ.
   * Returns counts and the SQL (a FROM clause over alias `a`) of live rows the listing lacked.
   */
  private async mergeEntities(spec: {
    table: string;
    stage: string;
    keys: string[];
    values: string[];
  }): Promise<{ added: number; updated: number; goneSql: string }> {
    const c = this.opts.connectionId;
    const u = `${spec.stage}_u`;
    await this.q(
      `CREATE TEMP TABLE ${u} AS SELECT DISTINCT ON (${spec.keys.join(', ')}) * FROM ${spec.stage}`,
    );
    const match = spec.keys.map((k) => `a.${k} = s.${k}`).join(' AND ');
    const set = spec.values.map((v) => `${v} = s.${v}`).join(', ');
    const revived = affected(
      await this.q(
        `UPDATE ${spec.table} a SET ${set}, removed_at = NULL, updated_at = now() FROM ${u} s
         WHERE a.connection_id = $1 AND ${match} AND a.removed_at IS NOT NULL`,
        [c],
      ),
    );
    const updated = affected(
      await this.q(
        `UPDATE ${spec.table} a SET ${set}, updated_at = now() FROM ${u} s
         WHERE a.connection_id = $1 AND ${match} AND a.removed_at IS NULL
           AND (${spec.values.map((v) => `a.${v}`).join(', ')}) IS DISTINCT FROM (${spec.values.map((v) => `s.${v}`).join(', ')})`,
        [c],
      ),
    );
    const cols = [...spec.keys, ...spec.values];
    const inserted = (
      await this.q<unknown[]>(
        `INSERT INTO ${spec.table} (connection_id, ${cols.join(', ')})
         SELECT $1, ${cols.map((k) => `s.${k}`).join(', ')} FROM ${u} s
         WHERE NOT EXISTS (SELECT 1 FROM ${spec.table} a WHERE a.connection_id = $1 AND ${match})
         RETURNING 1`,
        [c],
      )
    ).length;
    const goneSql = `FROM ${spec.table} a WHERE a.connection_id = $1 AND a.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${u} s WHERE ${match})`;
    return { added: revived + inserted, updated, goneSql };
  }

  /** Marks removed the live rows a completed listing lacked (mark and sweep). */
  private async sweep(table: string, goneSql: string): Promise<number> {
    return affected(
      await this.q(
        `UPDATE ${table} SET removed_at = now(), updated_at = now() WHERE id IN (SELECT a.id ${goneSql})`,
        [this.opts.connectionId],
      ),
    );
  }

  /**
   * Whether to apply the removals `candidatesSql` selects: yes when they are within the hold share of
   * the live rows, or when the previous run held exactly the same set (the next sync agrees).
   */
  private async decideRemoval(
    kind: 'accounts' | 'memberships',
    candidatesSql: string,
    live: number,
  ): Promise<{ apply: boolean; held?: { count: number; digest: string; share: number } }> {
    const c = this.opts.connectionId;
    const [{ count, digest }] = await this.q<{ count: number; digest: string | null }[]>(
      `SELECT count(*)::int AS count, md5(string_agg(x.id::text, ',' ORDER BY x.id::text)) AS digest
       FROM (${candidatesSql}) x`,
      [c],
    );
    if (count === 0) return { apply: false };
    const share = live === 0 ? 1 : count / live;
    if (share * 100 <= this.opts.holdPercent) return { apply: true };
    const previous = this.opts.previouslyHeld?.[kind];
    if (previous && previous.digest === digest && previous.count === count) return { apply: true };
    return { apply: false, held: { count, digest: digest ?? '', share: Math.round(share * 1000) / 1000 } };
  }
}

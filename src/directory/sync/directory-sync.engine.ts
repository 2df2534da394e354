import { type QueryRunner } from 'typeorm';
import { type JumpCloudClient } from '../../jumpcloud';
import { affected } from '../../platform/database/sql';
import { decideRemoval, type HeldRemovals, type RemovalDecision } from './removal-hold.policy';
import { mergeEntities, removalCandidates, sweep } from './set-merge';
import { type DirectoryTouches } from './directory-events.policy';
import { IncrementalStaging } from './incremental-staging';
import { SyncStaging } from './staging';
import { ACCOUNT_COLS } from './listing';
import { DROP_STAGE_TABLES, SyncSession } from './sync-session';
import { keptLiveCounts, type LiveCounts, recountLiveCounts } from './live-counts';

export { type HeldRemovals } from './removal-hold.policy';
export { IncompleteListingError } from './listing';

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

export interface SyncOutcome {
  stats: SyncStats;
  held: HeldRemovals;
  membershipsAdded: number;
  membershipsRemoved: number;
  /** Member entries naming a user the user listing did not return (changed while listing). */
  unresolvedMembers: number;
  /** Membership changes left to the next run: jumpgate changed the pair after this run began listing. */
  membershipsDeferred: number;
  /** Kinds whose kept live count a full run's recount found off, by how much (null: not recounted). */
  liveCountsDrift: Partial<LiveCounts> | null;
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
  /**
   * An incremental run: what the events since the cursor name. Only those objects are read again, and
   * the merge removes nothing outside what they read (`scope_*` tables). Absent: a full sync.
   */
  touches?: DirectoryTouches;
}

/**
 * Live rows of the merged table (alias `a`) that an incremental run read completely. Ids as arrays
 * (`= ANY(ARRAY(...))`): the planner then reads just those rows through the key's index, where an
 * `IN (subquery)` beside an OR scans the connection's whole table (a million memberships).
 */
const IN_SCOPE = {
  accounts: `AND a.id = ANY(ARRAY(SELECT id FROM scope_accounts))`,
  groups: `AND a.external_id IN (SELECT external_id FROM scope_groups)`,
  memberships: `AND (group_id = ANY(ARRAY(SELECT group_id FROM scope_member_groups))
                  OR account_id = ANY(ARRAY(SELECT account_id FROM scope_gone_accounts)))`,
  // A binding goes when its application's bindings were listed without it, or its group or
  // application is gone (a full sync keeps only bindings between live rows).
  bindings: `AND (EXISTS (SELECT 1 FROM directory_applications d WHERE d.id = x.application_id
                    AND (d.removed_at IS NOT NULL OR d.external_id IN (SELECT external_id FROM scope_binding_apps)))
                  OR EXISTS (SELECT 1 FROM directory_groups g WHERE g.id = x.group_id AND g.removed_at IS NOT NULL))`,
};

/**
 * One sync of one connection: every listing streams into session-local staging tables through COPY
 * (`SyncStaging`), then a handful of set-wise statements write only what changed (ARCHITECTURE.md
 * rule 1; `set-merge.ts`, with removals past the share held by `removal-hold.policy.ts`). Nothing is
 * written to the directory unless every listing completed.
 */
export class DirectorySyncEngine {
  private readonly s: SyncSession;
  private readonly staging: SyncStaging | IncrementalStaging;
  /** Removal clauses limiting an incremental run to what it read (empty for a full sync). */
  private readonly scope: Record<keyof typeof IN_SCOPE, string>;
  /** See SyncOutcome.membershipsDeferred. */
  private membershipsDeferred = 0;

  constructor(
    qr: QueryRunner,
    client: JumpCloudClient,
    private readonly opts: EngineOptions,
  ) {
    this.s = new SyncSession(qr);
    if (opts.touches) {
      this.staging = new IncrementalStaging(this.s, client, { ...opts, touches: opts.touches });
      this.scope = IN_SCOPE;
    } else {
      this.staging = new SyncStaging(this.s, client, opts);
      this.scope = { accounts: '', groups: '', memberships: '', bindings: '' };
    }
  }

  /** Milliseconds spent per phase of this run, kept with the run's stats for operators and benchmarks. */
  get timings(): Record<string, number> {
    return this.s.timings;
  }

  /** Lists everything into the staging tables (a baseline run also opens the run's transaction). */
  async stage(): Promise<void> {
    await this.staging.stage();
  }

  /**
   * Writes only what changed; runs inside the run's transaction on the same session (opened by the
   * caller, or already by `stage` for a baseline).
   */
  async merge(): Promise<Omit<SyncOutcome, 'stats'> & { stats: Omit<SyncStats, 'apiCalls'> }> {
    this.s.restartClock();
    const c = this.opts.connectionId;
    const run = this.opts.runId;
    // The moment this run records its changes: now() would be the start of the run's transaction,
    // which a first sync opens before it lists (minutes earlier). As text, to keep microseconds.
    const [{ at }] = await this.s.q<{ at: string }[]>(`SELECT clock_timestamp()::text AS at`);
    let added = 0;
    let removed = 0;
    let updated = 0;
    const held: HeldRemovals = {};
    // The hold share is measured against what was live before this run, not after its additions.
    // A full run counts (the ground truth); an incremental one takes the kept counts (live-counts.ts),
    // exact as well, rather than count a million memberships to change a hundred.
    const before = await this.liveBefore();

    // ---- accounts (users and administrators), then groups: changed rows only, removals maybe held
    if (this.staging.accountsCopied !== null) {
      added += this.staging.accountsCopied;
    } else {
      const accounts = await mergeEntities(this.s, c, at, {
        table: 'directory_accounts',
        stage: 'stage_accounts',
        withId: true,
        keys: ['kind', 'external_id'],
        // Everything after the id and the key.
        values: ACCOUNT_COLS.slice(3),
      });
      added += accounts.added;
      updated += accounts.updated;
      const accountsGone = `${accounts.goneWhere} ${this.scope.accounts}`;
      const accountRemoval = await this.holdOrApply(
        'accounts',
        `SELECT a.id FROM directory_accounts a ${accountsGone}`,
        [c],
        before.accounts,
      );
      if (accountRemoval.apply) {
        removed += await sweep(this.s, c, at, 'directory_accounts', accountsGone);
      } else if (accountRemoval.held) {
        held.accounts = accountRemoval.held;
        // Which ones, for GET /syncs/{id}/held.
        await this.s.q(
          `INSERT INTO directory_sync_held (run_id, kind, account_id)
           SELECT $2::uuid, 'account', a.id FROM directory_accounts a ${accountsGone}`,
          [c, run],
        );
      }
    }
    this.s.lap('merge.accounts');
    const groups = await mergeEntities(this.s, c, at, {
      table: 'directory_groups',
      stage: 'stage_groups',
      withId: true,
      keys: ['external_id'],
      values: ['name', 'description', 'membership_method'],
    });
    added += groups.added;
    updated += groups.updated;
    removed += await sweep(this.s, c, at, 'directory_groups', `${groups.goneWhere} ${this.scope.groups}`);

    // ---- memberships (direct), staged already resolved to jumpgate ids
    this.s.lap('merge.groups');
    // The diff below hashes a million pairs on each side: enough memory to do it without spilling.
    await this.s.q(`SET LOCAL work_mem = '64MB'`);
    let membershipsAdded: number;
    let membershipsRemoved = 0;
    if (this.staging.baselineMemberships !== null) {
      // Copied while listing (see `stage`). No history row each: nothing changed, jumpgate started
      // looking, and `since` says when. History records every change after the baseline.
      membershipsAdded = this.staging.baselineMemberships;
    } else {
      // One pass over both sides finds every pair to add, revive or remove.
      await this.s.q(
        `CREATE TEMP TABLE pair_changes AS
         SELECT coalesce(p.group_id, m.group_id) AS group_id, coalesce(p.account_id, m.account_id) AS account_id,
                CASE WHEN m.group_id IS NULL THEN 'add' WHEN p.group_id IS NULL THEN 'remove' ELSE 'revive' END AS change
         FROM stage_pairs p
         FULL JOIN (SELECT group_id, account_id, removed_at FROM directory_memberships
                    WHERE connection_id = $1 ${this.scope.memberships}) m
           ON m.group_id = p.group_id AND m.account_id = p.account_id
         WHERE m.group_id IS NULL OR (p.group_id IS NULL AND m.removed_at IS NULL)
            OR (p.group_id IS NOT NULL AND m.removed_at IS NOT NULL)`,
        [c],
      );
      // A membership jumpgate itself changed after this run began listing may have been listed before
      // the change: the directory copy (written when the operation succeeded) is newer than the
      // listing. Reverting it would record jumpgate's own change as one made outside; the next run,
      // whose listing starts after the change, compares it instead.
      this.membershipsDeferred = await this.s.count(
        `DELETE FROM pair_changes x USING directory_membership_history h
         WHERE h.connection_id = $1 AND h.operation_id IS NOT NULL AND h.at >= $2
           AND h.group_id = x.group_id AND h.account_id = x.account_id`,
        [c, this.opts.startedAt],
      );
      this.s.lap('merge.memberships.diff');
      const revived = await this.s.count(
        `UPDATE directory_memberships m SET removed_at = NULL, since = $1, seen_at_baseline = false FROM pair_changes x
         WHERE x.change = 'revive' AND m.group_id = x.group_id AND m.account_id = x.account_id AND m.removed_at IS NOT NULL`,
        [at],
      );
      const inserted = await this.s.count(
        `INSERT INTO directory_memberships (group_id, account_id, connection_id, since)
         SELECT group_id, account_id, $1, $2::timestamptz FROM pair_changes WHERE change = 'add' ORDER BY group_id, account_id`,
        [c, at],
      );
      await this.s.count(
        `INSERT INTO directory_membership_history (connection_id, run_id, group_id, account_id, change, at)
         SELECT $1, $2, group_id, account_id, 'added', $3::timestamptz FROM pair_changes WHERE change IN ('add', 'revive')`,
        [c, run, at],
      );
      membershipsAdded = revived + inserted;
      this.s.lap('merge.memberships.add');
      const memberRemoval = await this.holdOrApply(
        'memberships',
        `SELECT x.group_id::text || ':' || x.account_id::text AS id FROM pair_changes x WHERE x.change = 'remove'`,
        [],
        before.memberships,
      );
      if (memberRemoval.apply) {
        membershipsRemoved = await this.s.count(
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
        await this.s.q(
          `INSERT INTO directory_sync_held (run_id, kind, account_id, group_id)
           SELECT $1::uuid, 'membership', x.account_id, x.group_id FROM pair_changes x WHERE x.change = 'remove'`,
          [run],
        );
      }
      this.s.lap('merge.memberships.remove');
    }
    added += membershipsAdded;
    removed += membershipsRemoved;

    // ---- applications and the groups bound to them
    const apps = await mergeEntities(this.s, c, at, {
      table: 'directory_applications',
      stage: 'stage_apps',
      keys: ['external_id'],
      values: ['name'],
    });
    added += apps.added;
    updated += apps.updated;
    removed += await sweep(this.s, c, at, 'directory_applications', apps.goneWhere);
    await this.s.q(
      `CREATE TEMP TABLE stage_binding_pairs AS
       SELECT DISTINCT d.id AS application_id, g.id AS group_id
       FROM stage_bindings b
       JOIN directory_applications d ON d.connection_id = $1 AND d.external_id = b.app_external_id AND d.removed_at IS NULL
       JOIN directory_groups g ON g.connection_id = $1 AND g.external_id = b.group_external_id AND g.removed_at IS NULL`,
      [c],
    );
    added += (
      await this.s.q<unknown[]>(
        `INSERT INTO directory_application_groups (application_id, group_id, connection_id)
         SELECT p.application_id, p.group_id, $1 FROM stage_binding_pairs p
         WHERE NOT EXISTS (SELECT 1 FROM directory_application_groups x
                           WHERE x.application_id = p.application_id AND x.group_id = p.group_id)
         RETURNING 1`,
        [c],
      )
    ).length;
    removed += affected(
      await this.s.q(
        `DELETE FROM directory_application_groups x WHERE x.connection_id = $1
           AND NOT EXISTS (SELECT 1 FROM stage_binding_pairs p WHERE p.application_id = x.application_id AND p.group_id = x.group_id)
           ${this.scope.bindings}`,
        [c],
      ),
    );

    this.s.lap('merge.applications');
    if (added + removed + updated > 10_000) {
      // Fresh statistics for the queries that follow on tables that just changed a lot.
      await this.s.q(
        `SELECT jumpgate_analyze('directory_accounts', 'directory_groups', 'directory_memberships')`,
      );
    }
    this.s.lap('merge.analyze');
    let counts: LiveCounts;
    let liveCountsDrift: Partial<LiveCounts> | null = null;
    if (this.opts.touches) {
      counts = await keptLiveCounts(this.s, c);
    } else {
      ({ counts, drift: liveCountsDrift } = await recountLiveCounts(this.s, c));
    }
    await this.s.q(DROP_STAGE_TABLES);
    this.s.lap('merge.count');
    return {
      stats: { ...counts, added, removed, updated },
      held,
      membershipsAdded,
      membershipsRemoved,
      membershipsDeferred: this.membershipsDeferred,
      unresolvedMembers: this.staging.unresolvedMembers,
      liveCountsDrift,
    };
  }

  /** Live accounts and memberships before this run wrote anything (the removal hold's denominators). */
  private async liveBefore(): Promise<{ accounts: number; memberships: number }> {
    const c = this.opts.connectionId;
    if (this.opts.touches) {
      const kept = await keptLiveCounts(this.s, c);
      return { accounts: kept.users + kept.admins, memberships: kept.memberships };
    }
    const [before] = await this.s.q<{ accounts: number; memberships: number }[]>(
      `SELECT (SELECT count(*) FROM directory_accounts WHERE connection_id = $1 AND removed_at IS NULL)::int AS accounts,
              (SELECT count(*) FROM directory_memberships WHERE connection_id = $1 AND removed_at IS NULL)::int AS memberships`,
      [c],
    );
    return before;
  }

  /** Counts the removals `candidatesSql` selects and asks the removal hold whether to apply them. */
  private async holdOrApply(
    kind: 'accounts' | 'memberships',
    candidatesSql: string,
    params: unknown[],
    live: number,
  ): Promise<RemovalDecision> {
    const { count, digest } = await removalCandidates(this.s, candidatesSql, params);
    return decideRemoval({ kind, count, digest, live }, this.opts.holdPercent, this.opts.previouslyHeld);
  }
}

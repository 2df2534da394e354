import { randomUUID } from 'node:crypto';
import { type JumpCloudClient } from '../../jumpcloud';
import { copyLine, type CopyValue } from './copy-stage';
import { ACCOUNT_COLS, adminRow, drain, forEachConcurrently, userRow } from './listing';
import { DROP_STAGE_TABLES, type SyncSession } from './sync-session';

export interface StagingOptions {
  connectionId: string;
  /** Group member listings in flight at once (the client's per-connection limiter caps requests). */
  groupConcurrency?: number;
}

/** The session-local tables a run stages its listings into (the same for full and incremental runs). */
export async function createStageTables(s: SyncSession): Promise<void> {
  await s.q(DROP_STAGE_TABLES);
  await s.q(`CREATE TEMP TABLE stage_accounts (
    id uuid, kind text, external_id text, email text, username text, display_name text, state text,
    manager_external_id text, department text, job_title text, admin_roles text[], mfa_configured boolean)`);
  await s.q(
    `CREATE TEMP TABLE stage_groups (id uuid, external_id text, name text, description text, membership_method text)`,
  );
  await s.q(`CREATE TEMP TABLE stage_pairs (group_id uuid, account_id uuid)`);
  await s.q(`CREATE TEMP TABLE stage_apps (external_id text, name text)`);
  await s.q(`CREATE TEMP TABLE stage_bindings (app_external_id text, group_external_id text)`);
}

/**
 * The first half of a sync: every listing streams into session-local staging tables through COPY
 * (a connection's first accounts and memberships straight into the directory, inside the run's
 * transaction). Nothing here is visible to others until the run commits.
 */
export class SyncStaging {
  /** Member entries naming a user the user listing did not return. */
  unresolvedMembers = 0;
  /** Memberships this run copied as the connection's first (see `stage`); null when not a baseline. */
  baselineMemberships: number | null = null;
  /** Accounts of a new connection, copied straight into the directory (see `stage`); null otherwise. */
  accountsCopied: number | null = null;

  constructor(
    private readonly s: SyncSession,
    private readonly client: JumpCloudClient,
    private readonly opts: StagingOptions,
  ) {}

  /** jumpgate ids of this connection's accounts and groups by `kind:externalId` / `group:externalId`. */
  private async knownIds(): Promise<Map<string, string>> {
    const rows = await this.s.q<{ k: string; id: string }[]>(
      `SELECT kind || ':' || external_id AS k, id::text AS id FROM directory_accounts WHERE connection_id = $1
       UNION ALL
       SELECT 'group:' || external_id, id::text FROM directory_groups WHERE connection_id = $1`,
      [this.opts.connectionId],
    );
    return new Map(rows.map((r) => [r.k, r.id]));
  }

  async stage(): Promise<void> {
    this.s.restartClock();
    await createStageTables(this.s);

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
    await this.s.copy(
      'stage_groups',
      ['id', 'external_id', 'name', 'description', 'membership_method'],
      (stage) =>
        drain('user groups', this.client.listUserGroups({ readAhead: 8 }), (g) => {
          const id = idFor(groupIds, 'group', g.id);
          return id === null ? undefined : stage.write([id, g.id, g.name, g.description, g.membershipMethod]);
        }),
    );
    this.s.lap('stage.groups');

    const [{ baseline }] = await this.s.q<{ baseline: boolean }[]>(
      `SELECT NOT EXISTS (SELECT 1 FROM directory_memberships WHERE connection_id = $1) AS baseline`,
      [this.opts.connectionId],
    );
    // Every group's member listing, each pair once (a repeated entry, e.g. from a shifted page, is skipped).
    const listMembers = (onMember: (groupId: string, userExternalId: string) => Promise<void> | undefined) =>
      forEachConcurrently([...groupIds], this.opts.groupConcurrency ?? 8, ([externalGroupId, groupId]) => {
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
      });

    if (baseline) {
      // A connection's first memberships (its baseline) are all new: they are copied straight into the
      // directory inside the run's transaction, opened here, so writing them overlaps the listing
      // instead of following it. Nothing is visible until the run commits; a failed listing rolls it
      // all back. Their users must be listed first: every one of them is new.
      await this.s.qr.startTransaction();
      if ([...known.keys()].every((k) => k.startsWith('group:'))) {
        // A new connection: its accounts go straight into the directory too (nothing to compare with).
        const c = this.opts.connectionId;
        this.accountsCopied = await this.s.copy(
          'directory_accounts',
          [...ACCOUNT_COLS, 'connection_id'],
          (stage) => listAccounts((v) => stage.write([...v, c])),
        );
        // Through the owner's function: the server's role may not ANALYZE (migration 1764000009100).
        await this.s.q(`SELECT jumpgate_analyze('directory_accounts')`);
      } else {
        await this.s.copy('stage_accounts', ACCOUNT_COLS, (stage) => listAccounts((v) => stage.write(v)));
      }
      this.s.lap('stage.accounts');
      // `since` takes its default, the moment each row is written; seen_at_baseline says it is not a
      // join date (campaigns do not call these members recent).
      const lineEnd = `\t${this.opts.connectionId}\tt\n`;
      this.baselineMemberships = await this.s.copy(
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
      this.s.lap('stage.memberships');
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
      await this.s.copy('stage_pairs', ['group_id', 'account_id'], async (stage) => {
        await Promise.all([
          stopOnFailure(
            listAccounts((v) => {
              if (abort.reason !== null) return Promise.reject(abort.reason);
              accountLines.push(copyLine(v));
              return undefined;
            }).then(() => {
              accountsListed = true;
              this.s.lap('stage.accounts');
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
      await this.s.copy('stage_accounts', ACCOUNT_COLS, async (stage) => {
        for (const line of accountLines.splice(0)) await stage.writeLine(line);
      });
      await this.s.copy('stage_pairs', ['group_id', 'account_id'], async (stage) => {
        for (const [groupId, userExternalId] of pending.splice(0)) {
          const accountId = users.get(userExternalId);
          if (accountId === undefined) this.unresolvedMembers++;
          else await stage.writeLine(`${groupId}\t${accountId}\n`);
        }
      });
      // Members resolved through a known id whose user this listing did not return after all.
      const unlisted = [...viaKnown].filter((e) => !users.has(e)).map((e) => known.get(`user:${e}`));
      if (unlisted.length > 0) {
        this.unresolvedMembers += await this.s.count(
          `DELETE FROM stage_pairs WHERE account_id = ANY($1::uuid[])`,
          [unlisted],
        );
      }
      this.s.lap('stage.memberships');
    }
    known.clear();

    await stageApplications(this.s, this.client, this.opts.groupConcurrency ?? 8, () => true);
    this.s.lap('stage.applications');
    // stage_pairs (a million rows) is left out: the planner sizes it from its pages, enough for the diff's hash join.
    // The session's own temporary tables: any role may ANALYZE those directly.
    await this.s.q(`ANALYZE stage_accounts, stage_groups, stage_apps, stage_bindings`);
    this.s.lap('stage.analyze');
  }
}

/**
 * Lists every application into `stage_apps`, and the groups bound to those `withBindings` selects
 * into `stage_bindings`. Returns the listed application ids.
 */
export async function stageApplications(
  s: SyncSession,
  client: JumpCloudClient,
  concurrency: number,
  withBindings: (appId: string) => boolean,
): Promise<Set<string>> {
  const appIds = new Set<string>();
  await s.copy('stage_apps', ['external_id', 'name'], (stage) =>
    drain('applications', client.listApplications({ readAhead: 8 }), (a) => {
      if (appIds.has(a.id)) return undefined;
      appIds.add(a.id);
      return stage.write([a.id, a.label]);
    }),
  );
  await s.copy('stage_bindings', ['app_external_id', 'group_external_id'], (stage) =>
    forEachConcurrently([...appIds].filter(withBindings), concurrency, (appId) =>
      drain(`groups bound to application ${appId}`, client.listApplicationGroups(appId), (b) =>
        stage.write([appId, b.groupId]),
      ),
    ),
  );
  return appIds;
}

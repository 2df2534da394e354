import { randomUUID } from 'node:crypto';
import {
  isJumpCloudError,
  type JumpCloudClient,
  type JumpCloudSystemUser,
  type JumpCloudUserGroup,
} from '../../jumpcloud';
import { copyLine } from './copy-stage';
import { type DirectoryTouches } from './directory-events.policy';
import { ACCOUNT_COLS, adminRow, drain, forEachConcurrently, userRow } from './listing';
import { createStageTables, stageApplications } from './staging';
import { type SyncSession } from './sync-session';

export interface IncrementalStagingOptions {
  connectionId: string;
  groupConcurrency?: number;
  /** What the events since the cursor name (directory-events.policy.ts). */
  touches: DirectoryTouches;
}

/** A direct read of a named object: null when JumpCloud answers 404 (it was deleted; API.md). */
async function orGone<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isJumpCloudError(err) && err.code === 'not_found') return null;
    throw err;
  }
}

/**
 * The first half of an incremental sync: only what the events name is read again (a user by id, a
 * group by id and its members, an application's bindings), plus the administrators and applications,
 * whose full listings cost a page or two. Each read is complete for its object (a 404 is its deletion),
 * and the `scope_*` tables say exactly which objects were read, so the merge removes nothing outside
 * them (ARCHITECTURE.md rule 1).
 */
export class IncrementalStaging {
  unresolvedMembers = 0;
  readonly baselineMemberships = null;
  readonly accountsCopied = null;

  constructor(
    private readonly s: SyncSession,
    private readonly client: JumpCloudClient,
    private readonly opts: IncrementalStagingOptions,
  ) {}

  private get concurrency(): number {
    return this.opts.groupConcurrency ?? 8;
  }

  /** jumpgate ids (and liveness) of this connection's rows of `kind` among `externalIds`. */
  private async known(
    kind: 'user' | 'admin' | 'group',
    externalIds: string[] | null,
  ): Promise<Map<string, { id: string; live: boolean }>> {
    const table = kind === 'group' ? 'directory_groups' : 'directory_accounts';
    const rows = await this.s.q<{ external_id: string; id: string; live: boolean }[]>(
      `SELECT external_id, id::text AS id, removed_at IS NULL AS live FROM ${table}
       WHERE connection_id = $1 ${kind === 'group' ? '' : `AND kind = '${kind}'`}
         ${externalIds === null ? '' : 'AND external_id = ANY($2::text[])'}`,
      externalIds === null ? [this.opts.connectionId] : [this.opts.connectionId, externalIds],
    );
    return new Map(rows.map((r) => [r.external_id, { id: r.id, live: r.live }]));
  }

  async stage(): Promise<void> {
    this.s.restartClock();
    const t = this.opts.touches;
    await createStageTables(this.s);
    await this.s.q(`CREATE TEMP TABLE scope_accounts (id uuid PRIMARY KEY)`);
    await this.s.q(`CREATE TEMP TABLE scope_groups (external_id text PRIMARY KEY)`);
    await this.s.q(`CREATE TEMP TABLE scope_member_groups (group_id uuid PRIMARY KEY)`);
    await this.s.q(`CREATE TEMP TABLE scope_gone_accounts (account_id uuid PRIMARY KEY)`);
    await this.s.q(`CREATE TEMP TABLE scope_binding_apps (external_id text PRIMARY KEY)`);

    // A credential that no longer reaches this organisation must not sync anything.
    await this.client.getOrganization();

    // ---- groups: the record of those an event changed (or that jumpgate does not hold live), and
    // the members of every group an event names.
    const listed = [...new Set([...t.groups, ...t.memberGroups])];
    const knownGroups = await this.known('group', listed);
    const groupRecords = new Map<string, JumpCloudUserGroup>();
    const goneGroups = new Set<string>();
    const toRead = listed.filter((g) => t.groups.has(g) || knownGroups.get(g)?.live !== true);
    await forEachConcurrently(toRead, this.concurrency, async (g) => {
      const record = await orGone(this.client.getUserGroup(g));
      if (record === null) goneGroups.add(g);
      else groupRecords.set(g, record);
    });
    const members = new Map<string, string[]>();
    await forEachConcurrently(
      listed.filter((g) => !goneGroups.has(g)),
      this.concurrency,
      async (g) => {
        const ids: string[] = [];
        const seen = new Set<string>();
        const listedAll = await orGone(
          drain(`members of group ${g}`, this.client.listGroupMembers(g), (m) => {
            if (m.type === 'user' && !seen.has(m.id)) {
              seen.add(m.id);
              ids.push(m.id);
            }
            return undefined;
          }),
        );
        if (listedAll === null) goneGroups.add(g);
        else members.set(g, ids);
      },
    );
    const groupIds = new Map<string, string>();
    for (const g of listed) groupIds.set(g, knownGroups.get(g)?.id ?? randomUUID());
    this.s.lap('stage.groups');

    // ---- users: those an event names, members jumpgate does not hold live, then the reports of
    // deleted users (JumpCloud clears their manager without an event of its own).
    const memberIds = [...new Set([...members.values()].flat())];
    const liveMembers = new Map(
      [...(await this.known('user', memberIds))].filter(([, k]) => k.live).map(([e, k]) => [e, k.id]),
    );
    const userRecords = new Map<string, JumpCloudSystemUser>();
    const goneUsers = new Set<string>();
    const readUsers = (ids: string[]) =>
      forEachConcurrently(ids, this.concurrency, async (u) => {
        const record = await orGone(this.client.getSystemUser(u));
        if (record === null) goneUsers.add(u);
        else userRecords.set(u, record);
      });
    await readUsers([...new Set([...t.users, ...memberIds.filter((u) => !liveMembers.has(u))])]);
    if (goneUsers.size > 0) {
      const reports = await this.s.q<{ external_id: string }[]>(
        `SELECT external_id FROM directory_accounts WHERE connection_id = $1 AND kind = 'user'
           AND removed_at IS NULL AND manager_external_id = ANY($2::text[])`,
        [this.opts.connectionId, [...goneUsers]],
      );
      await readUsers(
        reports.map((r) => r.external_id).filter((u) => !userRecords.has(u) && !goneUsers.has(u)),
      );
    }
    const readIds = [...userRecords.keys(), ...goneUsers];
    const knownUsers = await this.known('user', readIds);
    const userIds = new Map<string, string>();
    for (const u of userRecords.keys()) userIds.set(u, knownUsers.get(u)?.id ?? randomUUID());
    const knownAdmins = await this.known('admin', null);
    const seenAdmins = new Set<string>();
    await this.s.copy('stage_accounts', ACCOUNT_COLS, async (stage) => {
      for (const [u, record] of userRecords) await stage.write(userRow(userIds.get(u) as string, record));
      await drain('administrators', this.client.listAdministrators({ readAhead: 8 }), (a) => {
        if (seenAdmins.has(a.id)) return undefined;
        seenAdmins.add(a.id);
        return stage.write(adminRow(knownAdmins.get(a.id)?.id ?? randomUUID(), a));
      });
    });
    this.s.lap('stage.accounts');

    // ---- memberships of the listed groups, resolved to jumpgate ids
    await this.s.copy('stage_pairs', ['group_id', 'account_id'], async (stage) => {
      for (const [g, ids] of members) {
        const groupId = groupIds.get(g) as string;
        for (const u of ids) {
          const accountId = goneUsers.has(u) ? undefined : (userIds.get(u) ?? liveMembers.get(u));
          if (accountId === undefined) this.unresolvedMembers++;
          else await stage.writeLine(`${groupId}\t${accountId}\n`);
        }
      }
    });
    await this.s.copy(
      'stage_groups',
      ['id', 'external_id', 'name', 'description', 'membership_method'],
      async (stage) => {
        for (const [g, r] of groupRecords) {
          await stage.write([groupIds.get(g) as string, r.id, r.name, r.description, r.membershipMethod]);
        }
      },
    );
    this.s.lap('stage.memberships');

    // ---- applications (all: a page or two) and the bindings of those an event names or that are new
    const liveApps = new Set(
      (
        await this.s.q<{ external_id: string }[]>(
          `SELECT external_id FROM directory_applications WHERE connection_id = $1 AND removed_at IS NULL`,
          [this.opts.connectionId],
        )
      ).map((r) => r.external_id),
    );
    const withBindings = (a: string) => t.applications.has(a) || !liveApps.has(a);
    const apps = await stageApplications(this.s, this.client, this.concurrency, withBindings);
    this.s.lap('stage.applications');

    // ---- what was read completely: the merge removes nothing else
    const lines = (values: string[]) => values.map((v) => copyLine([v]));
    const fill = (table: string, column: string, values: string[]) =>
      this.s.copy(table, [column], async (stage) => {
        for (const line of lines(values)) await stage.writeLine(line);
      });
    // Accounts by jumpgate id: the users read (or found gone) that it holds, and every administrator.
    await fill('scope_accounts', 'id', [
      ...[...knownUsers.values()].map((k) => k.id),
      ...[...knownAdmins.values()].map((k) => k.id),
    ]);
    await fill('scope_groups', 'external_id', [...new Set([...toRead, ...goneGroups])]);
    await fill('scope_member_groups', 'group_id', [...new Set(listed.map((g) => groupIds.get(g) as string))]);
    await fill(
      'scope_gone_accounts',
      'account_id',
      [...goneUsers].flatMap((u) => {
        const k = knownUsers.get(u);
        return k === undefined ? [] : [k.id];
      }),
    );
    await fill('scope_binding_apps', 'external_id', [...apps].filter(withBindings));
    await this.s.q(
      `ANALYZE stage_accounts, stage_groups, stage_pairs, stage_apps, stage_bindings, scope_accounts, scope_groups, scope_member_groups`,
    );
    this.s.lap('stage.analyze');
  }
}

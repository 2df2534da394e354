import { type Client } from 'pg';
import { type SyncRunResponse } from '../../src/directory/dto/sync-run.dto';
import { type RunningEmulator, startEmulator, type StartEmulatorOptions } from '../../src/emulator';
import { type TestApp } from './app';
import { BOOTSTRAP_TOKEN } from './principals';
import { pollUntil } from './poll';

/** Environment pointing the app at an emulator, with retries fast enough for tests. */
export function emulatorEnv(
  emu: RunningEmulator,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    JUMPCLOUD_API_URL: emu.apiUrl,
    JUMPCLOUD_OAUTH_TOKEN_URL: emu.tokenUrl,
    JUMPCLOUD_INSIGHTS_URL: emu.insightsUrl,
    JUMPCLOUD_RETRY_BASE_MS: '20',
    JUMPCLOUD_TIMEOUT_MS: '2000',
    SYNC_RETRY_BASE_MS: '100',
    BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
    ...extra,
  };
}

export async function startTestEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    seed: 7,
    sizes: { users: 40, groups: 8, membershipsPerUser: 3, admins: 5, apps: 3 },
    ...opts,
  });
}

/** Creates a connection through the API with the emulator's service account. */
export async function createConnection(
  t: TestApp,
  emu: RunningEmulator,
  mode: 'service_account' | 'api_key' = 'service_account',
): Promise<{ id: string }> {
  const c = emu.credentials;
  const body =
    mode === 'service_account'
      ? { name: 'Emulated org', orgId: c.orgId, clientId: c.clientId, clientSecret: c.clientSecret }
      : { name: 'Emulated org', orgId: c.orgId, apiKey: c.apiKey };
  const res = await t.request('POST', '/api/v1/connections', { token: BOOTSTRAP_TOKEN, body });
  if (res.status !== 201) throw new Error(`create connection: ${res.status} ${res.text}`);
  return res.body as { id: string };
}

/** A sync run as `GET /syncs/{id}` gives it: the server's own response type. */
export type SyncRun = SyncRunResponse;

export async function waitForRun(t: TestApp, runId: string, timeoutMs = 60_000): Promise<SyncRun> {
  return pollUntil(
    async () =>
      (await t.request('GET', `/api/v1/syncs/${runId}`, { token: BOOTSTRAP_TOKEN })).body as SyncRun,
    (run) => run.status === 'succeeded' || run.status === 'failed',
    (run) => `sync ${runId} still ${run.status}`,
    { timeoutMs },
  );
}

/** Runs a sync and waits for it; `mode` as API.md's POST body (none: the server's default, `auto`). */
export async function syncNow(
  t: TestApp,
  connectionId: string,
  mode?: 'auto' | 'full' | 'incremental',
): Promise<SyncRun> {
  const res = await t.request('POST', `/api/v1/connections/${connectionId}/syncs`, {
    token: BOOTSTRAP_TOKEN,
    ...(mode === undefined ? {} : { body: { mode } }),
  });
  if (res.status !== 202) throw new Error(`trigger sync: ${res.status} ${res.text}`);
  return waitForRun(t, (res.body as { id: string }).id);
}

/** The emulator's organisation and the directory copy, in one comparable form. */
export interface DirectorySnapshot {
  users: string[];
  admins: string[];
  groups: string[];
  memberships: string[];
  applications: string[];
  bindings: string[];
}

export function emulatorSnapshot(emu: RunningEmulator): DirectorySnapshot {
  const s = emu.emulator.store;
  const users = s.users.filter((u) => !u.deleted);
  const groups = s.groups.filter((g) => !g.deleted);
  const name = (u: (typeof users)[number]) =>
    u.displayname?.trim() || [u.firstname, u.lastname].filter(Boolean).join(' ').trim() || '';
  return {
    users: users
      .map(
        (u) =>
          `${u.id}|${u.email}|${u.username}|${name(u)}|${u.state}|${u.manager >= 0 ? s.users[u.manager].id : ''}|${u.department}|${u.jobTitle}`,
      )
      .sort(),
    admins: s.admins
      .map((a) => `${a.id}|${a.email}|${a.suspended ? 'SUSPENDED' : 'ACTIVATED'}|${a.roleName}`)
      .sort(),
    groups: groups.map((g) => `${g.id}|${g.name}|${g.membershipMethod}`).sort(),
    memberships: groups
      .flatMap((g) =>
        Array.from(g.members.subarray(0, g.size), (slot) => s.users[slot])
          .filter((u) => !u.deleted)
          .map((u) => `${g.id}|${u.id}`),
      )
      .sort(),
    applications: s.apps.map((a) => `${a.id}|${a.displayLabel || a.displayName || a.name}`).sort(),
    bindings: s.apps
      .flatMap((a) => a.groups.filter((g) => !s.groups[g].deleted).map((g) => `${a.id}|${s.groups[g].id}`))
      .sort(),
  };
}

export async function databaseSnapshot(db: Client, connectionId: string): Promise<DirectorySnapshot> {
  const q = async (sql: string) =>
    (await db.query<{ k: string }>(sql, [connectionId])).rows.map((r) => r.k).sort();
  return {
    users:
      await q(`SELECT a.external_id || '|' || coalesce(a.email,'') || '|' || coalesce(a.username,'') || '|' ||
        coalesce(a.display_name,'') || '|' || a.state || '|' || coalesce(a.manager_external_id,'') || '|' ||
        coalesce(a.department,'') || '|' || coalesce(a.job_title,'') AS k
      FROM directory_accounts a WHERE a.connection_id = $1 AND a.kind = 'user' AND a.removed_at IS NULL`),
    admins:
      await q(`SELECT external_id || '|' || coalesce(email,'') || '|' || state || '|' || coalesce(admin_roles[1],'') AS k
      FROM directory_accounts WHERE connection_id = $1 AND kind = 'admin' AND removed_at IS NULL`),
    groups: await q(`SELECT external_id || '|' || name || '|' || membership_method AS k
      FROM directory_groups WHERE connection_id = $1 AND removed_at IS NULL`),
    memberships: await q(`SELECT g.external_id || '|' || a.external_id AS k FROM directory_memberships m
      JOIN directory_groups g ON g.id = m.group_id JOIN directory_accounts a ON a.id = m.account_id
      WHERE m.connection_id = $1 AND m.removed_at IS NULL`),
    applications: await q(`SELECT external_id || '|' || name AS k FROM directory_applications
      WHERE connection_id = $1 AND removed_at IS NULL`),
    bindings: await q(`SELECT d.external_id || '|' || g.external_id AS k FROM directory_application_groups x
      JOIN directory_applications d ON d.id = x.application_id JOIN directory_groups g ON g.id = x.group_id
      WHERE x.connection_id = $1`),
  };
}

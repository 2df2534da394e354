import { Client } from 'pg';
import { type RunningEmulator, type StartEmulatorOptions } from '../../src/emulator';
import { type GroupRec, type UserRec } from '../../src/emulator/store';
import { startApp, type TestApp } from './app';
import { createConnection, emulatorEnv, type SyncRun, startTestEmulator, syncNow } from './jumpcloud';
import { pollUntil } from './poll';

/** An emulated JumpCloud organisation, the app pointed at it, a database client and one connection. */
export interface EmulatedOrg {
  emu: RunningEmulator;
  t: TestApp;
  db: Client;
  connectionId: string;
  /** The first sync, unless `sync: false` (a spec that starts workers first syncs itself). */
  run?: SyncRun;
}

/**
 * The start-up most integration specs share: emulator, app (with `env` on top of `emulatorEnv`), a
 * database client, a connection and, by default, one full sync. What it started is closed if it fails.
 */
export async function startEmulatedOrg(
  emulator: StartEmulatorOptions,
  opts: { env?: Record<string, string>; sync?: boolean } = {},
): Promise<EmulatedOrg> {
  const started = await startEmulatedApp(emulator, opts.env);
  try {
    const connectionId = (await createConnection(started.t, started.emu)).id;
    const run = opts.sync === false ? undefined : await syncNow(started.t, connectionId);
    return { ...started, connectionId, run };
  } catch (err) {
    await stopEmulatedOrg(started);
    throw err;
  }
}

/** Emulator, app and database client, without a connection (for specs that create their own). */
export async function startEmulatedApp(
  emulator: StartEmulatorOptions,
  env: Record<string, string> = {},
): Promise<Pick<EmulatedOrg, 'emu' | 't' | 'db'>> {
  const started: Partial<EmulatedOrg> = {};
  try {
    const emu = (started.emu = await startTestEmulator(emulator));
    const t = (started.t = await startApp(emulatorEnv(emu, env)));
    const db = (started.db = new Client({ connectionString: t.databaseUrl }));
    await db.connect();
    return { emu, t, db };
  } catch (err) {
    await stopEmulatedOrg(started);
    throw err;
  }
}

/** Closes what `startEmulatedOrg` started (any part may be missing when a start-up failed). */
export async function stopEmulatedOrg(org: Partial<Pick<EmulatedOrg, 'emu' | 't' | 'db'>>): Promise<void> {
  await org.db?.end();
  await org.t?.close();
  await org.emu?.close();
}

/** jumpgate's id of a synced JumpCloud object, by its JumpCloud id. */
export async function localId(
  db: Client,
  connectionId: string,
  table: string,
  externalId: string,
): Promise<string> {
  return (
    await db.query(`SELECT id FROM ${table} WHERE connection_id = $1 AND external_id = $2`, [
      connectionId,
      externalId,
    ])
  ).rows[0].id as string;
}

/** The emulator's member slots of a group (indexes into `store.users`). */
export function memberSlots(g: GroupRec): number[] {
  return Array.from(g.members.subarray(0, g.size));
}

/** The emulator's members of a group, as user records. */
export function groupMembers(emu: RunningEmulator, g: GroupRec): UserRec[] {
  return memberSlots(g).map((slot) => emu.emulator.store.users[slot]);
}

/** Whether the emulator holds this user in this group (JumpCloud ids). */
export function emulatorHasMember(emu: RunningEmulator, groupExt: string, userExt: string): boolean {
  const s = emu.emulator.store;
  return memberSlots(s.groups[s.groupSlotById.get(groupExt)!]).includes(s.userSlotById.get(userExt)!);
}

/** Groups whose members can be changed (not dynamic), not deleted, with at least `minMembers` members. */
export function staticGroups(emu: RunningEmulator, minMembers = 1): GroupRec[] {
  return emu.emulator.store.groups.filter(
    (g) => !g.deleted && g.membershipMethod !== 'DYNAMIC_AUTOMATED' && g.size >= minMembers,
  );
}

/** Active users outside a group: who may request it. */
export function outsidersOf(emu: RunningEmulator, g: GroupRec): UserRec[] {
  const inGroup = new Set(memberSlots(g));
  return emu.emulator.store.users.filter(
    (u, slot) => !u.deleted && u.state === 'ACTIVATED' && !inGroup.has(slot),
  );
}

/** Waits for the connection's first Directory Insights activity read (the job that follows a sync). */
export async function untilActivityRead(db: Client, connectionId: string): Promise<void> {
  await pollUntil(
    async () =>
      (await db.query(`SELECT 1 FROM directory_activity_cursors WHERE connection_id = $1`, [connectionId]))
        .rowCount,
    (n) => n === 1,
    () => 'no activity read after the first sync',
  );
}

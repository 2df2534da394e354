import { Client } from 'pg';
import { startApp } from '../helpers/app';
import {
  createConnection,
  databaseSnapshot,
  emulatorEnv,
  emulatorSnapshot,
  startTestEmulator,
  syncNow,
} from '../helpers/jumpcloud';

/** Exact copies at several sizes, including listings that end exactly on a page boundary (100). */
describe.each([
  { users: 10, groups: 3, membershipsPerUser: 1, admins: 2, apps: 1 },
  { users: 200, groups: 100, membershipsPerUser: 4, admins: 100, apps: 5 },
  { users: 437, groups: 23, membershipsPerUser: 6, admins: 13, apps: 7 },
])('a sync of %j', (sizes) => {
  it('leaves Postgres equal to the emulator, both auth modes', async () => {
    const emu = await startTestEmulator({ seed: sizes.users, sizes });
    const t = await startApp(emulatorEnv(emu));
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      for (const mode of ['service_account', 'api_key'] as const) {
        const { id } = await createConnection(t, emu, mode);
        const run = await syncNow(t, id);
        expect(run.status).toBe('succeeded');
        expect(await databaseSnapshot(db, id)).toEqual(emulatorSnapshot(emu));
        expect(run.stats.users).toBe(emulatorSnapshot(emu).users.length);
      }
    } finally {
      await db.end();
      await t.close();
      await emu.close();
    }
  });
});

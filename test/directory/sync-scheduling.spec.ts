import { getQueueToken } from '@nestjs/bullmq';
import { type Queue } from 'bullmq';
import { type Client } from 'pg';
import { DirectorySyncService } from '../../src/directory/directory-sync.service';
import { DIRECTORY_SYNC_COMPLETED } from '../../src/directory/directory.events';
import { type RunningEmulator } from '../../src/emulator';
import { QUEUES } from '../../src/platform/queue/queues';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { createConnection, syncNow, waitForRun } from '../helpers/jumpcloud';
import { startEmulatedApp, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';
import { EventEmitter2 } from '@nestjs/event-emitter';

describe('scheduled syncs, the relay, and what a sync does to principals', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let syncs: DirectorySyncService;

  beforeAll(async () => {
    ({ emu, t, db } = await startEmulatedApp({ seed: 31 }));
    syncs = t.app.get(DirectorySyncService);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('schedules a run per due connection, once, and none for connections with syncing off', async () => {
    const due = await createConnection(t, emu);
    await t.request('PATCH', `/api/v1/connections/${due.id}`, {
      token: BOOTSTRAP_TOKEN,
      body: { syncIntervalMinutes: 30 },
    });
    const off = await createConnection(t, emu); // SYNC_INTERVAL_MINUTES=0 in tests: never scheduled
    expect(await syncs.enqueueScheduled()).toBe(1);
    expect(await syncs.enqueueScheduled()).toBe(0);
    const runs = await db.query(`SELECT connection_id, trigger FROM directory_sync_runs`);
    expect(runs.rows).toEqual([{ connection_id: due.id, trigger: 'scheduled' }]);
    const [run] = (await db.query(`SELECT id FROM directory_sync_runs WHERE connection_id = $1`, [due.id]))
      .rows;
    expect((await waitForRun(t, run.id)).status).toBe('succeeded');
    // Within its interval: not due again.
    expect(await syncs.enqueueScheduled()).toBe(0);
    const offRuns = await db.query(`SELECT 1 FROM directory_sync_runs WHERE connection_id = $1`, [off.id]);
    expect(offRuns.rowCount).toBe(0);
  });

  it('runs a sync that Redis lost (a flush after the run was queued) once the relay sees it', async () => {
    const conn = await createConnection(t, emu);
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.directorySync));
    await queue.pause(); // hold the job so the flush finds it still waiting
    const triggered = await t.request('POST', `/api/v1/connections/${conn.id}/syncs`, {
      token: BOOTSTRAP_TOKEN,
    });
    await flushTestRedis(t.redisUrl);
    await queue.resume();
    await db.query(`UPDATE directory_sync_runs SET created_at = now() - interval '1 minute' WHERE id = $1`, [
      triggered.body.id,
    ]);
    expect(await syncs.relay()).toBe(1);
    expect((await waitForRun(t, triggered.body.id)).status).toBe('succeeded');
  });

  it('publishes a completion event with the run’s membership changes', async () => {
    const conn = await createConnection(t, emu);
    const seen: unknown[] = [];
    const events = t.app.get(EventEmitter2);
    // The event follows the run's commit: the run reads as succeeded a moment before it is published.
    let published!: () => void;
    const firstEvent = new Promise<void>((resolve) => (published = resolve));
    const listener = (e: unknown) => {
      seen.push(e);
      published();
    };
    events.on(DIRECTORY_SYNC_COMPLETED, listener);
    try {
      const run = await syncNow(t, conn.id);
      await firstEvent;
      expect(seen).toEqual([
        {
          connectionId: conn.id,
          runId: run.id,
          membershipsAdded: run.stats.memberships,
          membershipsRemoved: 0,
          membershipRemovalsHeld: false,
          startedAt: run.startedAt,
        },
      ]);
    } finally {
      events.off(DIRECTORY_SYNC_COMPLETED, listener);
    }
  });

  it('links principals to their accounts and disables one whose every account became inactive', async () => {
    const conn = await createConnection(t, emu);
    await syncNow(t, conn.id);
    const s = emu.emulator.store;
    const person = s.users.find((u) => !u.deleted && u.state === 'ACTIVATED' && u.admin < 0)!;
    const bystander = s.users.find(
      (u) => !u.deleted && u.state === 'ACTIVATED' && u.admin < 0 && u.id !== person.id,
    )!;
    const p = await createPrincipal(t, { email: person.email.toUpperCase() });
    const b = await createPrincipal(t, { email: bystander.email });
    const nobody = await createPrincipal(t);

    const me = await t.request('GET', '/api/v1/me', { token: p.token });
    expect(me.body.accounts).toContainEqual({
      id: expect.any(String),
      connectionId: conn.id,
      kind: 'user',
      email: person.email,
      displayName: expect.any(String),
    });

    emu.emulator.setUserState(person.id, 'SUSPENDED');
    const run = await syncNow(t, conn.id);
    expect(run.status).toBe('succeeded');
    // The same person is still active through the other connections' accounts of this test file.
    const active = await db.query(
      `SELECT count(*)::int AS n FROM directory_accounts a JOIN connections c ON c.id = a.connection_id AND c.deleted_at IS NULL
       WHERE lower(a.email) = lower($1) AND a.removed_at IS NULL AND a.state <> 'SUSPENDED'`,
      [person.email],
    );
    if (active.rows[0].n > 0) {
      // Suspend it in the other copies too: those connections sync the same emulator.
      for (const c of (
        await db.query(`SELECT id FROM connections WHERE deleted_at IS NULL AND id <> $1`, [conn.id])
      ).rows) {
        await syncNow(t, c.id);
      }
    }
    expect((await t.request('GET', '/api/v1/me', { token: p.token })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { token: b.token })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: nobody.token })).status).toBe(200);
    const audit = await t.request('GET', `/api/v1/audit-events?action=principal.disabled&targetId=${p.id}`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].actor).toMatchObject({ type: 'system', id: 'directory-sync' });
  });
});

import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { createConnection, syncNow } from '../helpers/jumpcloud';
import { startEmulatedApp, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';

const EVENTS = '^/insights/directory/v1/events$';

/** `insights` on connection tests and reads (API.md "Access, activity and drift"). */
describe('connection insights state', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;

  const call = (method: string, path: string, body?: unknown, token = BOOTSTRAP_TOKEN) =>
    t.request(method, path, { token, body });
  const sa = () => ({
    name: 'Acme',
    orgId: emu.credentials.orgId,
    clientId: emu.credentials.clientId,
    clientSecret: emu.credentials.clientSecret,
  });
  const eventCalls = () => emu.emulator.requests({ path: EVENTS });

  beforeAll(async () => {
    ({ emu, t, db } = await startEmulatedApp({ seed: 22 }));
  });
  afterAll(() => stopEmulatedOrg({ db, t, emu }));
  afterEach(() => {
    emu.emulator.setDenied('all', []);
    emu.emulator.clearFaults();
  });

  it('a test says readable, forbidden (role without Directory Insights) or unavailable (events API failing)', async () => {
    const readable = await call('POST', '/api/v1/connections/test', sa());
    expect(readable.body).toMatchObject({ ok: true, insights: 'readable' });
    expect(eventCalls().at(-1)?.status).toBe(200);

    emu.emulator.setDenied('all', ['insights.read']);
    const forbidden = await call('POST', '/api/v1/connections/test', sa());
    expect(forbidden.status).toBe(200);
    expect(forbidden.body).toMatchObject({ ok: true, insights: 'forbidden' });
    expect(eventCalls().at(-1)?.status).toBe(403);
    emu.emulator.setDenied('all', []);

    emu.emulator.addFault({ kind: 'server_error', path: EVENTS });
    const unavailable = await call('POST', '/api/v1/connections/test', sa());
    expect(unavailable.body).toMatchObject({ ok: true, insights: 'unavailable' });
    // The rest of the connection works: only the events API failed.
    expect(unavailable.body.organization.id).toBe(emu.credentials.orgId);
  });

  it('a failed test says insights too: unavailable when the credentials reach nothing (no events call), checked when only a directory read is missing', async () => {
    const before = emu.emulator.lastSeq;
    const bad = await call('POST', '/api/v1/connections/test', { ...sa(), clientSecret: 'not-the-secret' });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({
      ok: false,
      code: 'bad_credentials',
      error: expect.any(String),
      insights: 'unavailable',
    });
    expect(emu.emulator.requests({ since: before, path: EVENTS })).toEqual([]);

    // The role lacks groups but may read events: the test says so.
    emu.emulator.setDenied('all', ['groups.read']);
    const noGroups = await call('POST', '/api/v1/connections/test', sa());
    expect(noGroups.body).toMatchObject({ ok: false, code: 'missing_permission', insights: 'readable' });
    emu.emulator.setDenied('all', ['groups.read', 'insights.read']);
    const neither = await call('POST', '/api/v1/connections/test', sa());
    expect(neither.body).toMatchObject({ ok: false, code: 'missing_permission', insights: 'forbidden' });
    expect(eventCalls().at(-1)?.status).toBe(403);
  });

  it('a failed test of a saved connection answers the same and keeps it on the connection', async () => {
    const id = (await createConnection(t, emu)).id;
    expect((await call('GET', `/api/v1/connections/${id}`)).body.insights).toBe('readable');
    emu.emulator.setDenied('all', ['groups.read', 'insights.read']);
    const denied = await call('POST', `/api/v1/connections/${id}/test`);
    expect(denied.status).toBe(200);
    expect(denied.body).toEqual({
      ok: false,
      code: 'missing_permission',
      error: expect.any(String),
      insights: 'forbidden',
    });
    expect((await call('GET', `/api/v1/connections/${id}`)).body.insights).toBe('forbidden');
    emu.emulator.setDenied('all', []);

    emu.emulator.addFault({ kind: 'server_error', count: 1000 });
    const down = await call('POST', `/api/v1/connections/${id}/test`);
    emu.emulator.clearFaults();
    expect(down.body).toMatchObject({ ok: false, code: 'unavailable', insights: 'unavailable' });
    expect((await call('GET', `/api/v1/connections/${id}`)).body.insights).toBe('unavailable');
    // The audit event of the test says the same, without the credentials.
    const { rows } = await db.query<{ data: Record<string, unknown> }>(
      `SELECT data FROM audit_events WHERE action = 'connection.tested' AND target_id = $1 ORDER BY seq`,
      [id],
    );
    expect(rows.map((r) => [r.data.code, r.data.insights])).toEqual([
      ['missing_permission', 'forbidden'],
      ['unavailable', 'unavailable'],
    ]);
    expect(JSON.stringify(rows)).not.toContain(emu.credentials.clientSecret);
  });

  it('create stores what it found; reads answer from the store without calling JumpCloud', async () => {
    emu.emulator.setDenied('all', ['insights.read']);
    const created = await call('POST', '/api/v1/connections', sa());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ insights: 'forbidden', insightsCheckedAt: expect.any(String) });
    const id = created.body.id as string;
    emu.emulator.setDenied('all', []);

    const before = emu.emulator.lastSeq;
    const one = await call('GET', `/api/v1/connections/${id}`);
    const list = await call('GET', '/api/v1/connections');
    expect(one.body.insights).toBe('forbidden');
    expect(list.body.items.find((c: { id: string }) => c.id === id).insights).toBe('forbidden');
    expect(emu.emulator.requests({ since: before })).toEqual([]);

    // A test of the saved connection looks again with its stored credentials and keeps the answer.
    const retest = await call('POST', `/api/v1/connections/${id}/test`);
    expect(retest.status).toBe(200);
    expect(retest.body).toMatchObject({ ok: true, insights: 'readable' });
    const after = await call('GET', `/api/v1/connections/${id}`);
    expect(after.body.insights).toBe('readable');
    expect(Date.parse(after.body.insightsCheckedAt)).toBeGreaterThan(Date.parse(one.body.insightsCheckedAt));
    expect(JSON.stringify([retest.body, after.body])).not.toContain(emu.credentials.clientSecret);
  });

  it('a PATCH with new credentials looks again; one without credentials leaves the state alone', async () => {
    const id = (await createConnection(t, emu, 'api_key')).id;
    expect((await call('GET', `/api/v1/connections/${id}`)).body.insights).toBe('readable');
    emu.emulator.addFault({ kind: 'server_error', path: EVENTS });
    const renamed = await call('PATCH', `/api/v1/connections/${id}`, { name: 'Renamed' });
    expect(renamed.body.insights).toBe('readable');
    const rotated = await call('PATCH', `/api/v1/connections/${id}`, { apiKey: emu.credentials.apiKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.insights).toBe('unavailable');
  });

  it('every successful sync refreshes the state', async () => {
    const id = (await createConnection(t, emu)).id;
    emu.emulator.setDenied('all', ['insights.read']);
    const run = await syncNow(t, id);
    expect(run.status).toBe('succeeded');
    await pollUntil(
      async () => (await call('GET', `/api/v1/connections/${id}`)).body.insights as string,
      (s) => s === 'forbidden',
      (s) => `insights still ${s}`,
    );
    emu.emulator.setDenied('all', []);
    await syncNow(t, id);
    await pollUntil(
      async () => (await call('GET', `/api/v1/connections/${id}`)).body.insights as string,
      (s) => s === 'readable',
      (s) => `insights still ${s}`,
    );
  });

  it('only admins test a saved connection; an unknown id is 404, a malformed one 400', async () => {
    const id = (await createConnection(t, emu)).id;
    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    const someone = await createPrincipal(t);
    const before = emu.emulator.lastSeq;
    expect((await call('POST', `/api/v1/connections/${id}/test`, undefined, auditor.token)).status).toBe(403);
    expect((await call('POST', `/api/v1/connections/${id}/test`, undefined, someone.token)).status).toBe(403);
    expect((await call('GET', `/api/v1/connections/${id}`, undefined, auditor.token)).body.insights).toBe(
      'readable',
    );
    expect((await call('POST', `/api/v1/connections/00000000-0000-4000-8000-000000000000/test`)).status).toBe(
      404,
    );
    expect((await call('POST', `/api/v1/connections/nope/test`)).status).toBe(400);
    expect(emu.emulator.requests({ since: before })).toEqual([]);
  });
});

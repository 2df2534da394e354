import { startEmulator, type RunningEmulator } from '../../src/emulator';

const SIZES = { users: 60, groups: 8, membershipsPerUser: 3, admins: 4, apps: 4 };
const DAY = 24 * 3600 * 1000;

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 7, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(7, SIZES);
});

type Ev = Record<string, unknown> & { id: string; timestamp: string; event_type: string };

async function events(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}/insights/directory/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': emu.credentials.apiKey, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Ev[] };
}

async function ctl(method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

const since = (days: number) => new Date(Date.now() - days * DAY).toISOString();

describe('Directory Insights events', () => {
  it('seeded organisations have 90 days of sign-in history (sso_auth per application, user_login_attempt)', async () => {
    const r = await events({ service: ['all'], start_time: since(200), limit: 10_000 });
    expect(r.status).toBe(200);
    const types = new Set(r.body.map((e) => e.event_type));
    expect(types).toEqual(new Set(['sso_auth', 'user_login_attempt']));
    const oldest = Math.min(...r.body.map((e) => Date.parse(e.timestamp)));
    expect(oldest).toBeGreaterThanOrEqual(Date.now() - 90 * DAY);
    expect(oldest).toBeLessThan(Date.now() - 60 * DAY);
    const sso = r.body.filter((e) => e.event_type === 'sso_auth');
    const appIds = new Set(emu.emulator.store.apps.map((a) => a.id));
    for (const e of sso) expect(appIds.has((e.application as { id: string }).id)).toBe(true);
    const sso2 = await events({ service: ['sso'], start_time: since(90), limit: 10_000 });
    expect(sso2.body.length).toBe(sso.length);
  });

  it('the control API files a sign-in (sso_auth to an application, else user_login_attempt); bad input is 400, unknown ids 404', async () => {
    const u = emu.emulator.store.users[emu.emulator.store.userSlots()[0]];
    const app = emu.emulator.store.apps[0];
    const at = new Date(Date.now() - 5000).toISOString();
    expect(await ctl('POST', `/users/${u.id}/sign-ins`, { applicationId: app.id, at })).toBe(200);
    expect(await ctl('POST', `/users/${u.id}/sign-ins`, { at, success: false })).toBe(200);
    // Values are stored lowercase (API-NOTES §10), the timestamp too: compared as times.
    const filed = async () =>
      (await events({ service: ['all'], start_time: since(0.01), limit: 10_000 })).body.filter(
        (e) => Date.parse(e.timestamp) === Date.parse(at),
      );
    const r = { body: await filed() };
    expect(r.body.map((e) => [e.event_type, e.success, (e.initiated_by as { id: string }).id])).toEqual([
      ['sso_auth', true, u.id],
      ['user_login_attempt', false, u.id],
    ]);
    expect((r.body[0].application as { id: string }).id).toBe(app.id);
    expect(await ctl('POST', `/users/${u.id}/sign-ins`, { at: 'yesterday' })).toBe(400);
    expect(await ctl('POST', `/users/${u.id}/sign-ins`, { success: 'yes' })).toBe(400);
    expect(await ctl('POST', `/users/${u.id}/sign-ins`, { applicationId: 'nope' })).toBe(404);
    expect(await ctl('POST', '/users/nope/sign-ins', {})).toBe(404);
    expect(await filed()).toHaveLength(2);
  });

  it('pages by search_after until X-Result-Count < X-Limit, ascending and descending, with projection', async () => {
    const all = await events({ service: ['all'], start_time: since(90), limit: 10_000 });
    expect(all.body.length).toBeGreaterThan(100);
    for (const sort of ['ASC', 'DESC']) {
      const seen: Ev[] = [];
      let after: unknown;
      for (;;) {
        const r = await events({
          service: ['all'],
          start_time: since(90),
          limit: 50,
          sort,
          fields: ['id', 'timestamp', 'event_type'],
          ...(after === undefined ? {} : { search_after: after }),
        });
        expect(r.status).toBe(200);
        expect(r.headers.get('x-limit')).toBe('50');
        expect(r.headers.get('x-sort')).toBe(sort);
        expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number(r.headers.get('x-result-count'))).toBe(r.body.length);
        for (const e of r.body) expect(Object.keys(e).sort()).toEqual(['event_type', 'id', 'timestamp']);
        seen.push(...r.body);
        if (r.body.length < 50) break;
        after = JSON.parse(r.headers.get('x-search_after') ?? 'null');
      }
      expect(seen.map((e) => e.id).sort()).toEqual(all.body.map((e) => e.id).sort());
      const ts = seen.map((e) => Date.parse(e.timestamp));
      const ordered = [...ts].sort((a, b) => (sort === 'ASC' ? a - b : b - a));
      expect(ts).toEqual(ordered);
    }
  });

  it('limit above 10,000 or nonsense falls back to 1000; bad queries are 400', async () => {
    for (const limit of [20_000, -3, 'x']) {
      const r = await events({ service: ['all'], start_time: since(90), limit });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-limit')).toBe('1000');
    }
    const bad = [
      { service: ['all'] },
      { service: ['all'], start_time: 'yesterday' },
      { service: ['nope'], start_time: since(1) },
      { start_time: since(1) },
      { service: ['all'], start_time: new Date(Date.now() + DAY).toISOString() },
      { service: ['all'], start_time: since(1), end_time: since(2) },
      { service: ['all'], start_time: since(1), search_after: 'x' },
    ];
    for (const b of bad) expect((await events(b)).status).toBe(400);
  });

  it('control-API changes become events by the console admin; values are stored lowercase', async () => {
    const from = new Date().toISOString();
    const s = emu.emulator.store;
    const g = s.groups[s.groupSlots()[0]] as { id: string; name: string; members: Uint32Array };
    const member = s.users[g.members[0]] as { id: string };
    const outsider = s.userSlots().find((u) => !s.isMember(s.groupSlot(g.id) as number, u)) as number;
    const outsiderId = (s.users[outsider] as { id: string }).id;
    expect(await ctl('POST', `/groups/${g.id}/members`, { userId: outsiderId })).toBe(200);
    expect(await ctl('DELETE', `/groups/${g.id}/members/${member.id}`)).toBe(200);
    expect(await ctl('POST', `/users/${member.id}/suspend`)).toBe(200);
    expect(await ctl('PATCH', `/groups/${g.id}`, { name: 'Renamed GROUP' })).toBe(200);
    expect(await ctl('DELETE', `/users/${outsiderId}`)).toBe(200);
    const r = await events({ service: ['directory'], start_time: from });
    const changes = r.body.filter((e) => e.event_type !== 'user_login_attempt');
    expect(changes.map((e) => e.event_type)).toEqual([
      'association_change',
      'association_change',
      'user_suspended',
      'user_update',
      'group_update',
      'user_delete',
    ]);
    const admin = s.admins[0] as { id: string; email: string };
    const [add, remove] = changes as [Ev, Ev];
    expect(add.initiated_by).toEqual({ type: 'admin', id: admin.id, email: admin.email.toLowerCase() });
    expect(add.association).toMatchObject({
      op: 'add',
      connection: {
        from: { type: 'user_group', object_id: g.id },
        to: { type: 'user', object_id: outsiderId },
      },
    });
    expect(remove.association).toMatchObject({ op: 'remove', connection: { to: { object_id: member.id } } });
    expect((changes[4]?.resource as { name: string }).name).toBe('renamed group');
    // Search terms match the stored (lowercase) values whatever case they are sent in.
    const term = await events({
      service: ['all'],
      start_time: from,
      search_term: { and: { event_type: 'ASSOCIATION_CHANGE', 'association.op': 'add' } },
    });
    expect(term.body.map((e) => e.id)).toEqual([add.id]);
  });

  it("jumpgate's membership writes are recorded as initiated by the API key or service account", async () => {
    const from = new Date().toISOString();
    const s = emu.emulator.store;
    const gid = s.groups[
      s.groupSlots().find((gs) => s.groups[gs]?.membershipMethod === 'STATIC') as number
    ] as {
      id: string;
      members: Uint32Array;
    };
    const uid = (s.users[gid.members[0]] as { id: string }).id;
    const res = await fetch(`${emu.apiUrl}/v2/usergroups/${gid.id}/members`, {
      method: 'POST',
      headers: { 'x-api-key': emu.credentials.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'remove', type: 'user', id: uid }),
    });
    expect(res.status).toBe(204);
    const r = await events({
      service: ['directory'],
      start_time: from,
      search_term: { and: { event_type: 'association_change' } },
    });
    expect(r.body).toHaveLength(1);
    expect(r.body[0]?.initiated_by).toEqual({ type: 'api_key' });
  });

  it('retention: events older than 90 days are gone', async () => {
    emu.emulator.insights.record({ event_type: 'user_update', service: 'directory' }, Date.now() - 91 * DAY);
    const r = await events({ service: ['all'], start_time: since(365), limit: 10_000 });
    expect(r.status).toBe(200);
    expect(r.body.every((e) => Date.parse(e.timestamp) >= Date.now() - 90 * DAY)).toBe(true);
    expect(r.body.length).toBe(emu.emulator.insights.size - 1);
  });

  it('faults apply (429 with Retry-After, 500); insights can be made forbidden; bad key is 401', async () => {
    expect(await ctl('POST', '/faults', { kind: 'rate_limit', count: 1, path: '/insights/' })).toBe(200);
    const limited = await events({ service: ['all'], start_time: since(1) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await ctl('POST', '/faults', { kind: 'server_error', count: 1, path: '/events$' })).toBe(200);
    expect((await events({ service: ['all'], start_time: since(1) })).status).toBe(500);
    expect((await events({ service: ['all'], start_time: since(1) })).status).toBe(200);
    expect(await ctl('PUT', '/permissions', { credential: 'all', deny: ['insights.read'] })).toBe(200);
    expect((await events({ service: ['all'], start_time: since(1) })).status).toBe(403);
    expect(
      (await events({ service: ['all'], start_time: since(1) }, { 'x-api-key': 'jca_wrong' })).status,
    ).toBe(401);
  });

  it('profile changes, reactivation and application bindings become events too; a no-op records nothing', async () => {
    const from = new Date().toISOString();
    const s = emu.emulator.store;
    const user = s
      .userSlots()
      .map((slot) => s.users[slot])
      .find((u) => u.state === 'ACTIVATED')!;
    const app = s.apps.find((a) => a.groups.length > 0)!;
    const bound = s.groups[app.groups[0]] as { id: string };
    const unbound = s.groups.find((g, slot) => !g.deleted && !app.groups.includes(slot))!;
    expect(
      await ctl('PATCH', `/users/${user.id}`, { displayname: 'Renamed Person', jobTitle: 'Chief Tester' }),
    ).toBe(200);
    expect(await ctl('PATCH', `/users/${user.id}`, { jobTitle: 'Chief Tester' })).toBe(200);
    expect(await ctl('POST', `/users/${user.id}/suspend`)).toBe(200);
    expect(await ctl('POST', `/users/${user.id}/activate`)).toBe(200);
    expect(await ctl('POST', `/apps/${app.id}/groups`, { groupId: unbound.id })).toBe(200);
    expect(await ctl('DELETE', `/apps/${app.id}/groups/${bound.id}`)).toBe(200);
    expect(await ctl('DELETE', `/apps/${app.id}/groups/${bound.id}`)).toBe(200);
    expect(await ctl('POST', `/apps/nosuchapp/groups`, { groupId: unbound.id })).toBe(404);
    const r = await events({ service: ['directory'], start_time: from });
    const changes = r.body.filter((e) => e.event_type !== 'user_login_attempt');
    expect(changes.map((e) => e.event_type)).toEqual([
      'user_update',
      'user_suspended',
      'user_update',
      'user_unsuspended',
      'user_update',
      'association_change',
      'association_change',
    ]);
    expect(changes[0]?.changes).toEqual([
      { field: 'displayname', from: expect.any(String), to: 'renamed person' },
      // Values are stored lowercase, field names included (they are values here).
      { field: 'jobtitle', from: expect.any(String), to: 'chief tester' },
    ]);
    expect(changes[5]?.association).toEqual({
      op: 'add',
      connection: {
        from: { type: 'application', object_id: app.id, name: app.name.toLowerCase() },
        to: { type: 'user_group', object_id: unbound.id, name: unbound.name.toLowerCase() },
      },
    });
    expect((changes[6]?.association as { op: string }).op).toBe('remove');
    expect(s.apps.find((a) => a.id === app.id)!.groups.map((g) => s.groups[g].id)).toContain(unbound.id);
  });
});

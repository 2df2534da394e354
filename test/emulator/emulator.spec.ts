import { generateOrganization, startEmulator, type RunningEmulator } from '../../src/emulator';

const SIZES = { users: 80, groups: 12, membershipsPerUser: 4, admins: 10, apps: 5 };

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 42, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(42, SIZES);
});

async function api(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const res = await fetch(`${emu.apiUrl}${path}`, {
    ...init,
    headers: { 'x-api-key': emu.credentials.apiKey, ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as unknown };
}

async function ctl<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function membersOf(groupId: string): string[] {
  const s = emu.emulator.store;
  const g = s.groups[s.groupSlot(groupId)!];
  return Array.from(g.members.subarray(0, g.size), (slot) => s.users[slot].id);
}

describe('seeded organisations', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    const a = generateOrganization(9, SIZES);
    const b = generateOrganization(9, SIZES);
    const c = generateOrganization(10, SIZES);
    const digest = (s: typeof a) =>
      JSON.stringify([
        s.org,
        s.users,
        s.admins,
        s.apps,
        s.groups.map((g) => [g.id, g.name, g.membershipMethod, Array.from(g.members.subarray(0, g.size))]),
      ]);
    expect(digest(a)).toBe(digest(b));
    expect(digest(a)).not.toBe(digest(c));
  });

  it('have the requested sizes and realistic variety', () => {
    const s = generateOrganization(3, { users: 500, groups: 40, membershipsPerUser: 6, admins: 12, apps: 7 });
    expect(s.userSlots()).toHaveLength(500);
    expect(s.groupSlots()).toHaveLength(40);
    expect(s.admins).toHaveLength(12);
    expect(s.apps).toHaveLength(7);
    expect(s.membershipCount()).toBe(3000);
    const ids = [
      s.org.id,
      ...s.users.map((u) => u.id),
      ...s.admins.map((a) => a.id),
      ...s.groups.map((g) => g.id),
      ...s.apps.map((a) => a.id),
    ];
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(s.users.map((u) => u.state))).toEqual(new Set(['ACTIVATED', 'SUSPENDED', 'STAGED']));
    expect(s.users.filter((u) => u.manager >= 0).length).toBeGreaterThan(400);
    expect(s.users.every((u, i) => u.manager < i)).toBe(true);
    expect(new Set(s.users.map((u) => u.department)).size).toBeGreaterThan(5);
    expect(new Set(s.users.map((u) => u.jobTitle)).size).toBeGreaterThan(10);
    const methods = new Set(s.groups.map((g) => g.membershipMethod));
    expect(methods).toContain('STATIC');
    expect(methods).toContain('DYNAMIC_AUTOMATED');
    const emails = new Set(s.users.map((u) => u.email));
    const shared = s.admins.filter((a) => emails.has(a.email)).length;
    expect(shared).toBeGreaterThan(0);
    expect(shared).toBeLessThan(12);
    expect(s.apps.every((a) => a.groups.length >= 1)).toBe(true);
    // Group sizes are skewed: the largest group is far above the average.
    const sizes = s.groups.map((g) => g.size);
    expect(Math.max(...sizes)).toBeGreaterThan(3 * (3000 / 40));
  });

  // How long generating takes is a benchmark's figure (bench:sync's emulatorStartedInMs), not a test's.
  it('generate 100,000 users, 10,000 groups and 1,000,000 memberships', () => {
    const s = generateOrganization(1, {
      users: 100_000,
      groups: 10_000,
      membershipsPerUser: 10,
      admins: 50,
      apps: 40,
    });
    expect(s.membershipCount()).toBe(1_000_000);
    expect(s.userSlots()).toHaveLength(100_000);
    // Memberships are typed arrays: 4 bytes each, not objects.
    const bytes = s.groups.reduce((n, g) => n + g.members.byteLength, 0);
    expect(bytes).toBeLessThan(8_000_000);
  });
});

describe('JumpCloud API behaviour', () => {
  it('v1 lists: default limit 10, skip, sort by _id both ways, totalCount', async () => {
    const all = emu.emulator.store.users.map((u) => u.id);
    const def = (await api('/systemusers')).body as { totalCount: number; results: { _id: string }[] };
    expect(def.totalCount).toBe(80);
    expect(def.results.map((u) => u._id)).toEqual(all.slice(0, 10));
    const page = (await api('/systemusers?limit=7&skip=77&sort=_id')).body as { results: { _id: string }[] };
    expect(page.results.map((u) => u._id)).toEqual(all.slice(77));
    const desc = (await api('/systemusers?limit=3&sort=-_id')).body as { results: { _id: string }[] };
    expect(desc.results.map((u) => u._id)).toEqual(all.slice(-3).reverse());
  });

  it('limit above 100 and negative or non-numeric paging are 400', async () => {
    for (const q of ['limit=101', 'limit=abc', 'skip=-1']) {
      expect((await api(`/systemusers?${q}`)).status).toBe(400);
      expect((await api(`/v2/usergroups?${q}`)).status).toBe(400);
    }
    expect((await api('/systemusers?limit=100')).status).toBe(200);
  });

  it('filters (v1 $eq, v2 eq), sort by other fields and field projection', async () => {
    const u = emu.emulator.store.users[5];
    const byEmail = (await api(`/systemusers?filter=${encodeURIComponent(`email:$eq:${u.email}`)}`)).body as {
      totalCount: number;
      results: { _id: string }[];
    };
    expect(byEmail.totalCount).toBe(1);
    expect(byEmail.results[0]?._id).toBe(u.id);
    expect((await api(`/systemusers?filter=${encodeURIComponent('email:eq:x')}`)).status).toBe(400);
    const g = emu.emulator.store.groups[2];
    const byName = await api(`/v2/usergroups?filter=${encodeURIComponent(`name:eq:${g.name}`)}`);
    expect((byName.body as { id: string }[]).map((x) => x.id)).toEqual([g.id]);
    expect(byName.headers.get('x-total-count')).toBe('1');
    const sorted = (await api('/v2/usergroups?sort=-name&limit=100&fields=name')).body as {
      id: string;
      name: string;
    }[];
    const names = emu.emulator.store.groups
      .map((x) => x.name)
      .sort()
      .reverse();
    expect(sorted.map((x) => x.name)).toEqual(names);
    expect(Object.keys(sorted[0]).sort()).toEqual(['id', 'name']);
  });

  it('v2 lists are bare arrays with x-total-count', async () => {
    const r = await api('/v2/usergroups?limit=5&skip=10');
    expect(Array.isArray(r.body)).toBe(true);
    expect((r.body as unknown[]).length).toBe(2);
    expect(r.headers.get('x-total-count')).toBe('12');
  });

  it('organisation endpoints refuse x-org-id; tenant endpoints refuse a foreign one', async () => {
    const org = emu.credentials.orgId;
    expect((await api('/organizations', { headers: { 'x-org-id': org } })).status).toBe(403);
    expect((await api('/organizations')).status).toBe(200);
    expect((await api('/systemusers', { headers: { 'x-org-id': org } })).status).toBe(200);
    expect((await api('/users', { headers: { 'x-org-id': org } })).status).toBe(200);
    const foreign = await api('/systemusers', { headers: { 'x-org-id': 'dddddddddddddddddddddddd' } });
    expect(foreign.status).toBe(401);
    expect(foreign.body).toEqual({ error: 'Unauthorized', message: expect.stringMatching(/organization/) });
  });

  it('OAuth client credentials: Basic auth, form body, bearer tokens bound to the org', async () => {
    const { clientId, clientSecret } = emu.credentials;
    const token = async (id: string, secret: string, grant = 'client_credentials') =>
      fetch(emu.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `grant_type=${grant}&scope=api`,
      });
    const ok = await token(clientId, clientSecret);
    expect(ok.status).toBe(200);
    const t = (await ok.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(t.expires_in).toBe(3600);
    const withBearer = await fetch(`${emu.apiUrl}/v2/usergroups`, {
      headers: { authorization: `Bearer ${t.access_token}` },
    });
    expect(withBearer.status).toBe(200);
    expect((await token(clientId, 'nope')).status).toBe(401);
    expect((await token(clientId, clientSecret, 'password')).status).toBe(400);
    const bad = await fetch(`${emu.apiUrl}/v2/usergroups`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect((await fetch(`${emu.apiUrl}/v2/usergroups`)).status).toBe(401);
  });

  it('membership writes: 204, 409 duplicate, 404 non-member, 400 bad body or dynamic group; reads reflect them', async () => {
    const s = emu.emulator.store;
    const g = s.groups.find((x) => x.membershipMethod === 'STATIC')!;
    const u = s.users.find((_, slot) => !s.isMember(s.groupSlot(g.id)!, slot))!;
    const post = (body: unknown, gid = g.id) =>
      api(`/v2/usergroups/${gid}/members`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ op: 'add', type: 'user', id: u.id })).status).toBe(204);
    const listed = (await api(`/v2/usergroups/${g.id}/members?limit=100`)).body as { to: { id: string } }[];
    expect(listed.map((m) => m.to.id)).toContain(u.id);
    const dup = await post({ op: 'add', type: 'user', id: u.id });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: 'Conflict', message: 'Conflict: Already Exists' });
    expect((await post({ op: 'remove', type: 'user', id: u.id })).status).toBe(204);
    expect((await post({ op: 'remove', type: 'user', id: u.id })).status).toBe(404);
    expect((await post({ op: 'add', type: 'user_group', id: u.id })).status).toBe(400);
    expect((await post({ op: 'add', type: 'user' })).status).toBe(400);
    expect((await post({ op: 'add', type: 'user', id: 'eeeeeeeeeeeeeeeeeeeeeeee' })).status).toBe(404);
    // A dynamic group of its own, so this check runs whatever the seed generated.
    const dyn =
      s.groups[
        s.addGroup({
          name: 'dynamic-for-writes',
          description: '',
          membershipMethod: 'DYNAMIC_AUTOMATED',
          ruleDepartment: u.department,
          posixId: 999_001,
        })
      ];
    const refused = await post({ op: 'add', type: 'user', id: u.id }, dyn.id);
    expect(refused.status).toBe(400);
    expect(dyn.size).toBe(0);
    const stats = (
      await ctl<{ membership: { calls: number; added: number; removed: number } }>('GET', '/stats')
    ).body;
    expect(stats.membership).toEqual({ calls: 8, added: 1, removed: 1 });
  });

  it('graph reads (users/{id}/memberof, usergroups/{id}/membership) filter on object_id and type only', async () => {
    const s = emu.emulator.store;
    const g = s.groups.find((x) => x.membershipMethod === 'STATIC' && x.size > 0)!;
    const member = s.users[g.members[0]];
    const outsider = s.users.find((_, slot) => !s.isMember(s.groupSlot(g.id)!, slot))!;
    const memberOf = async (userId: string, filter: string) =>
      api(`/v2/users/${userId}/memberof?filter=${encodeURIComponent(filter)}`);
    const hit = await memberOf(member.id, `object_id:eq:${g.id}`);
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual([
      {
        id: g.id,
        type: 'user_group',
        compiledAttributes: {},
        paths: [
          [{ attributes: {}, from: { id: member.id, type: 'user' }, to: { id: g.id, type: 'user_group' } }],
        ],
      },
    ]);
    expect(hit.headers.get('x-total-count')).toBe('1');
    expect((await memberOf(outsider.id, `object_id:eq:${g.id}`)).body).toEqual([]);
    expect(((await memberOf(member.id, 'type:eq:user_group')).body as unknown[]).length).toBe(
      s.groupsOf(s.userSlot(member.id)!).length,
    );
    expect((await memberOf(member.id, `name:eq:${g.name}`)).status).toBe(400);
    const membership = await api(
      `/v2/usergroups/${g.id}/membership?filter=${encodeURIComponent(`object_id:eq:${member.id}`)}`,
    );
    expect((membership.body as { id: string }[]).map((m) => m.id)).toEqual([member.id]);
    expect((await memberOf('eeeeeeeeeeeeeeeeeeeeeeee', `object_id:eq:${g.id}`)).status).toBe(404);
  });

  it('a membership write the client gave up on is still applied; concurrent_write makes the change first', async () => {
    const s = emu.emulator.store;
    const g = s.groups.find((x) => x.membershipMethod === 'STATIC')!;
    const [u1, u2] = s.users.filter((_, slot) => !s.isMember(s.groupSlot(g.id)!, slot));
    const post = (id: string, signal?: AbortSignal) =>
      fetch(`${emu.apiUrl}/v2/usergroups/${g.id}/members`, {
        method: 'POST',
        headers: { 'x-api-key': emu.credentials.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ op: 'add', type: 'user', id }),
        signal,
      }).then(
        (r) => r.status,
        (e: Error) => e.name,
      );
    await ctl('POST', '/faults', { kind: 'hang', count: 1, hangMs: 300, path: '/members$' });
    expect(await post(u1.id, AbortSignal.timeout(100))).toBe('TimeoutError');
    expect(membersOf(g.id)).not.toContain(u1.id);
    await new Promise((r) => setTimeout(r, 400));
    expect(membersOf(g.id)).toContain(u1.id);

    await ctl('POST', '/faults', { kind: 'concurrent_write', count: 1, method: 'POST', path: '/members$' });
    expect(await post(u2.id)).toBe(409);
    expect(membersOf(g.id)).toContain(u2.id);
    const stats = (await ctl<{ membership: { added: number }; external: { added: number } }>('GET', '/stats'))
      .body;
    expect([stats.membership.added, stats.external.added]).toEqual([1, 1]);
  });

  it('permissions can be taken away per credential kind', async () => {
    await ctl('PUT', '/permissions', { credential: 'api_key', deny: ['users.read', 'groups.write'] });
    expect((await api('/systemusers')).status).toBe(403);
    expect((await api('/v2/usergroups')).status).toBe(200);
    const g = emu.emulator.store.groups[0];
    const w = await api(`/v2/usergroups/${g.id}/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'add', type: 'user', id: emu.emulator.store.users[0].id }),
    });
    expect(w.status).toBe(403);
    expect((await ctl('PUT', '/permissions', { deny: ['nonsense'] })).status).toBe(400);
  });
});

describe('control API', () => {
  it('credentials: reports and replaces them', async () => {
    const c = (
      await ctl<{ orgId: string; apiKey: string; apiUrl: string; tokenUrl: string }>('GET', '/credentials')
    ).body;
    expect(c.apiUrl).toBe(emu.apiUrl);
    expect(c.tokenUrl).toBe(emu.tokenUrl);
    const next = (
      await ctl<{ apiKey: string; orgId: string }>('PUT', '/credentials', {
        apiKey: 'jca_configured00000000000000000000000000',
        orgId: '0123456789abcdef01234567',
      })
    ).body;
    expect(next.orgId).toBe('0123456789abcdef01234567');
    expect((await api('/systemusers')).status).toBe(200);
    const org = (await api('/organizations')).body as { results: { _id: string }[] };
    expect(org.results[0]?._id).toBe('0123456789abcdef01234567');
    await ctl('PUT', '/credentials', { apiKey: c.apiKey, orgId: c.orgId });
  });

  it('counts requests by route and logs x-org-id and the auth kind without secrets', async () => {
    await api('/systemusers');
    await api('/systemusers?skip=10');
    await api(`/v2/usergroups/${emu.emulator.store.groups[0].id}/members`);
    const stats = (
      await ctl<{ requestsByRoute: Record<string, number>; totalRequests: number }>('GET', '/stats')
    ).body;
    expect(stats.requestsByRoute).toEqual({
      'GET /api/systemusers': 2,
      'GET /api/v2/usergroups/:group_id/members': 1,
    });
    expect(stats.totalRequests).toBe(3);
    const log = (
      await ctl<{ auth: string; orgIdHeader: string | null; status: number }[]>('GET', '/requests')
    ).body;
    expect(log.map((e) => [e.auth, e.orgIdHeader, e.status])).toEqual([
      ['api_key', null, 200],
      ['api_key', null, 200],
      ['api_key', null, 200],
    ]);
    expect(JSON.stringify(log)).not.toContain(emu.credentials.apiKey);
    await ctl('DELETE', '/requests');
    expect((await ctl<{ totalRequests: number }>('GET', '/stats')).body.totalRequests).toBe(0);
  });

  it('faults: next N, scoped by path and method, then gone', async () => {
    await ctl('POST', '/faults', { kind: 'server_error', count: 2, path: '^/api/systemusers$' });
    expect((await api('/v2/usergroups')).status).toBe(200);
    expect((await api('/systemusers')).status).toBe(500);
    expect((await api('/systemusers')).status).toBe(500);
    expect((await api('/systemusers')).status).toBe(200);
    expect((await ctl<unknown[]>('GET', '/faults')).body).toEqual([]);
    await ctl('POST', '/faults', { kind: 'rate_limit', count: 1, method: 'POST', retryAfterSeconds: 7 });
    expect((await api('/systemusers')).status).toBe(200);
    const limited = await api(`/v2/usergroups/${emu.emulator.store.groups[0].id}/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
  });

  it('faults: a fraction of requests, reproducibly', async () => {
    await ctl('POST', '/faults', { kind: 'rate_limit', fraction: 0.3 });
    let limited = 0;
    for (let i = 0; i < 200; i++) if ((await api('/v2/usergroups?limit=1')).status === 429) limited++;
    expect(limited).toBeGreaterThan(30);
    expect(limited).toBeLessThan(90);
    await ctl('DELETE', '/faults');
    expect((await api('/v2/usergroups?limit=1')).status).toBe(200);
  });

  it('faults: latency and hung requests (late answer, or none until the client gives up)', async () => {
    await ctl('POST', '/faults', { kind: 'latency', count: 1, latencyMs: 120 });
    let t0 = Date.now();
    expect((await api('/systemusers')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    await ctl('POST', '/faults', { kind: 'hang', count: 1, hangMs: 150 });
    t0 = Date.now();
    expect((await api('/systemusers')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await ctl('POST', '/faults', { kind: 'hang', count: 1 });
    const aborted = await fetch(`${emu.apiUrl}/systemusers`, {
      headers: { 'x-api-key': emu.credentials.apiKey },
      signal: AbortSignal.timeout(200),
    }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(aborted).toBe('TimeoutError');
    expect((await api('/systemusers')).status).toBe(200);
  });

  it('changes made by someone else show in API reads and are counted apart', async () => {
    const s = emu.emulator.store;
    const g = s.groups[1];
    const member = membersOf(g.id)[0];
    const outsider = s.users.find((u) => !membersOf(g.id).includes(u.id))!.id;
    expect((await ctl('POST', `/groups/${g.id}/members`, { userId: outsider })).body).toEqual({
      changed: true,
    });
    expect((await ctl('DELETE', `/groups/${g.id}/members/${member}`)).body).toEqual({ changed: true });
    await ctl('PATCH', `/groups/${g.id}`, { name: 'renamed-by-someone' });
    const victim = s.users[7].id;
    const managed = s.users.filter((u) => u.manager === 7).map((u) => u.id);
    await ctl('POST', `/users/${s.users[6].id}/suspend`);
    await ctl('DELETE', `/users/${victim}`);
    const members = (
      (await api(`/v2/usergroups/${g.id}/members?limit=100`)).body as { to: { id: string } }[]
    ).map((m) => m.to.id);
    expect(members).toContain(outsider);
    expect(members).not.toContain(member);
    expect(((await api(`/v2/usergroups/${g.id}`)).body as { name: string }).name).toBe('renamed-by-someone');
    expect(
      ((await api(`/systemusers/${s.users[6].id}`)).body as { state: string; suspended: boolean }).state,
    ).toBe('SUSPENDED');
    expect((await api(`/systemusers/${victim}`)).status).toBe(404);
    const users = (await api('/systemusers?limit=100')).body as {
      totalCount: number;
      results: { _id: string; manager?: string }[];
    };
    expect(users.totalCount).toBe(79);
    expect(users.results.some((u) => u._id === victim || u.manager === victim)).toBe(false);
    // The victim managed someone, and each of them is still listed, now without a manager.
    expect(managed.length).toBeGreaterThan(0);
    for (const id of managed) {
      const report = users.results.find((u) => u._id === id);
      expect(report).toMatchObject({ _id: id });
      expect(report?.manager).toBeUndefined();
    }
    // A deleted user leaves every group.
    const allPairs = (await ctl<{ userId: string }[]>('GET', '/state/memberships')).body;
    expect(allPairs.some((p) => p.userId === victim)).toBe(false);
    const stats = (
      await ctl<{ external: Record<string, number>; membership: { added: number } }>('GET', '/stats')
    ).body;
    expect(stats.external).toMatchObject({
      added: 1,
      removed: 1,
      usersSuspended: 1,
      usersDeleted: 1,
      groupsRenamed: 1,
    });
    expect(stats.membership.added).toBe(0);
  });

  it('creates users and groups, and churns memberships', async () => {
    const created = (
      await ctl<{ id: string }>('POST', '/users', {
        firstname: 'Neo',
        lastname: 'Anderson',
        department: 'IT',
      })
    ).body;
    const u = (await api(`/systemusers/${created.id}`)).body as {
      firstname: string;
      department: string;
      state: string;
    };
    expect(u).toMatchObject({ firstname: 'Neo', department: 'IT', state: 'ACTIVATED' });
    const group = (await ctl<{ id: string }>('POST', '/groups', { name: 'brand-new' })).body;
    expect(((await api(`/v2/usergroups/${group.id}`)).body as { name: string }).name).toBe('brand-new');
    const before = emu.emulator.store.membershipCount();
    const churn = (
      await ctl<{ added: unknown[]; removed: unknown[] }>('POST', '/churn', { count: 40, seed: 3 })
    ).body;
    expect(churn.added.length + churn.removed.length).toBe(40);
    expect(emu.emulator.store.membershipCount()).toBe(before + churn.added.length - churn.removed.length);
  });

  it('reads state as JSON, slices and NDJSON streams', async () => {
    const users = (await ctl<{ _id: string }[]>('GET', '/state/users')).body;
    expect(users).toHaveLength(80);
    const slice = (await ctl<{ _id: string }[]>('GET', '/state/users?skip=10&limit=5')).body;
    expect(slice.map((u) => u._id)).toEqual(users.slice(10, 15).map((u) => u._id));
    const res = await fetch(`${emu.url}/__emulator/state/memberships?format=ndjson`);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(320);
    expect(JSON.parse(lines[0])).toEqual({
      groupId: expect.stringMatching(/^[0-9a-f]{24}$/),
      userId: expect.any(String),
    });
    const bindings = (await ctl<{ applicationId: string; groupId: string }[]>('GET', '/state/bindings')).body;
    expect(bindings.length).toBe(emu.emulator.store.apps.reduce((n, a) => n + a.groups.length, 0));
    expect((await ctl<{ memberships: number }>('GET', '/state')).body.memberships).toBe(320);
  });

  it('reset and seed regenerate the organisation', async () => {
    await ctl('POST', `/groups/${emu.emulator.store.groups[0].id}/members`, {
      userId: emu.emulator.store.users.at(-1)!.id,
    });
    const seeded = (
      await ctl<{ users: number; groups: number; memberships: number; generatedInMs: number }>(
        'POST',
        '/seed',
        {
          seed: 77,
          users: 30,
          groups: 4,
          membershipsPerUser: 2,
        },
      )
    ).body;
    expect(seeded).toMatchObject({ users: 30, groups: 4, memberships: 60 });
    const firstId = emu.emulator.store.users[0].id;
    await ctl('DELETE', `/users/${firstId}`);
    expect((await ctl<{ users: number }>('POST', '/reset')).body.users).toBe(30);
    expect(emu.emulator.store.users[0].id).toBe(firstId);
    expect((await ctl('POST', '/seed', { users: -1 })).status).toBe(400);
  });
});

import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { JumpCloudClient, JumpCloudConnectionRegistry } from '../../src/jumpcloud';
import { clientFor, collect, control, failure, type AuthMode } from './helpers';

const SIZES = { users: 45, groups: 12, membershipsPerUser: 3, admins: 9, apps: 5 };

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 11, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(11, SIZES);
});

function apiRequests(path: RegExp) {
  return emu.emulator.requests().filter((e) => path.test(e.path));
}

describe.each<AuthMode>(['api_key', 'service_account'])('paginated reads with %s', (mode) => {
  it('lists every system user in _id order over pages of 7, the last one partial', async () => {
    const client = clientFor(emu, mode, { pageSize: 7 });
    const { items, pages } = await collect(client.listSystemUsers());
    const expected = await control<{ _id: string; email: string; state: string; manager?: string }[]>(
      emu,
      'GET',
      '/state/users',
    );
    expect(items.map((u) => u.id)).toEqual(expected.map((u) => u._id));
    expect(items.map((u) => u.email)).toEqual(expected.map((u) => u.email));
    expect(items.map((u) => u.managerId)).toEqual(expected.map((u) => u.manager ?? null));
    expect(pages.map((p) => p.items.length)).toEqual([7, 7, 7, 7, 7, 7, 3]);
    expect(pages.every((p) => p.total === 45)).toBe(true);
    expect(new Set(items.map((u) => u.state))).toEqual(new Set(['ACTIVATED', 'SUSPENDED', 'STAGED']));
    const log = apiRequests(/^\/api\/systemusers$/);
    // totalCount says when to stop: exactly ceil(45 / 7) requests, each sorted by _id, limit 7.
    expect(log).toHaveLength(7);
    for (const e of log) {
      const q = new URLSearchParams(e.query);
      expect(q.get('sort')).toBe('_id');
      expect(q.get('limit')).toBe('7');
    }
    expect(log.map((e) => new URLSearchParams(e.query).get('skip'))).toEqual([
      '0',
      '7',
      '14',
      '21',
      '28',
      '35',
      '42',
    ]);
  });

  it('lists administrators, some sharing an email with a system user', async () => {
    const client = clientFor(emu, mode, { pageSize: 7 });
    const { items, pages } = await collect(client.listAdministrators());
    expect(items).toHaveLength(9);
    expect(pages.map((p) => p.items.length)).toEqual([7, 2]);
    expect(items.every((a) => /^[0-9a-f]{24}$/.test(a.id) && a.roleName !== null)).toBe(true);
    const users = await collect(client.listSystemUsers());
    const emails = new Set(users.items.map((u) => u.email));
    const shared = items.filter((a) => emails.has(a.email));
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.length).toBeLessThan(items.length);
    // The user record links the administrator it is the same person as.
    const linked = users.items.filter((u) => u.adminId !== null);
    expect(new Set(linked.map((u) => u.adminId))).toEqual(new Set(shared.map((a) => a.id)));
  });

  it('lists user groups (v2) with membershipMethod and stops on the short page', async () => {
    const client = clientFor(emu, mode, { pageSize: 5 });
    const { items, pages } = await collect(client.listUserGroups());
    const expected = await control<{ id: string; name: string; membershipMethod: string }[]>(
      emu,
      'GET',
      '/state/groups',
    );
    expect(items.map((g) => [g.id, g.name, g.membershipMethod])).toEqual(
      expected.map((g) => [g.id, g.name, g.membershipMethod]),
    );
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
    expect(pages[0]?.total).toBe(12);
    const log = apiRequests(/^\/api\/v2\/usergroups$/);
    expect(log).toHaveLength(3);
    // v2 lists are not sorted by the client (the members endpoint takes only limit and skip).
    expect(log.every((e) => !new URLSearchParams(e.query).has('sort'))).toBe(true);
  });

  it('lists the members of every group, partial last pages included', async () => {
    const client = clientFor(emu, mode, { pageSize: 4 });
    const groups = await control<{ id: string; memberCount: number }[]>(emu, 'GET', '/state/groups');
    expect(groups.some((g) => g.memberCount > 4 && g.memberCount % 4 !== 0)).toBe(true);
    for (const g of groups) {
      const { items, pages } = await collect(client.listGroupMembers(g.id));
      const expected = await control<string[]>(emu, 'GET', `/state/groups/${g.id}/members`);
      expect(items.map((m) => m.id)).toEqual(expected);
      expect(items.every((m) => m.type === 'user')).toBe(true);
      // A short page ends the listing; an exact multiple needs one more (empty) page to be sure.
      expect(pages).toHaveLength(Math.floor(expected.length / 4) + 1);
    }
  });

  it('lists applications and the user groups bound to each', async () => {
    const client = clientFor(emu, mode, { pageSize: 2 });
    const { items, pages } = await collect(client.listApplications());
    const expected = await control<{ _id: string; displayLabel: string; groupIds: string[] }[]>(
      emu,
      'GET',
      '/state/apps',
    );
    expect(items.map((a) => a.id).sort()).toEqual(expected.map((a) => a._id).sort());
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    for (const app of items) {
      const want = expected.find((e) => e._id === app.id);
      expect(app.label).toBe(want?.displayLabel);
      const bound = await collect(client.listApplicationGroups(app.id));
      expect(bound.items.map((b) => b.groupId)).toEqual(want?.groupIds);
      expect(bound.items.every((b) => b.applicationId === app.id)).toBe(true);
    }
    const assoc = apiRequests(/\/associations$/);
    expect(assoc.every((e) => new URLSearchParams(e.query).get('targets') === 'user_group')).toBe(true);
  });

  it('reads the organisation without x-org-id and tenant data with it', async () => {
    const client = clientFor(emu, mode);
    const org = await client.getOrganization();
    expect(org).toEqual({ id: emu.credentials.orgId, name: emu.emulator.store.org.displayName });
    await collect(client.listSystemUsers());
    await collect(client.listAdministrators());
    await collect(client.listUserGroups());
    const log = emu.emulator.requests();
    const orgCalls = log.filter((e) => e.path.startsWith('/api/organizations'));
    const tokenCalls = log.filter((e) => e.path === '/oauth2/token');
    const tenantCalls = log.filter(
      (e) => e.path.startsWith('/api/') && !e.path.startsWith('/api/organizations'),
    );
    expect(orgCalls.length).toBeGreaterThan(0);
    expect(orgCalls.every((e) => e.orgIdHeader === null)).toBe(true);
    expect(tenantCalls.length).toBeGreaterThanOrEqual(3);
    expect(tenantCalls.every((e) => e.orgIdHeader === emu.credentials.orgId)).toBe(true);
    expect(tokenCalls).toHaveLength(mode === 'service_account' ? 1 : 0);
    expect(tokenCalls.every((e) => e.orgIdHeader === null && e.auth === 'basic')).toBe(true);
    expect(tenantCalls.every((e) => e.auth === (mode === 'api_key' ? 'api_key' : 'bearer'))).toBe(true);
    expect(log.every((e) => e.status !== null && e.status < 400)).toBe(true);
  });

  it('checkAccess returns the organisation and probes users, groups and administrators', async () => {
    const report = await clientFor(emu, mode).checkAccess();
    expect(report.organization.id).toBe(emu.credentials.orgId);
    expect(report.writeAccess).toBe('unverified');
    const paths = emu.emulator.requests().map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/api/systemusers', '/api/v2/usergroups', '/api/users']));
  });

  it('reads with read-ahead give the same pages in the same order', async () => {
    const seq = await collect(clientFor(emu, mode, { pageSize: 6 }).listSystemUsers());
    const ahead = await collect(clientFor(emu, mode, { pageSize: 6, readAhead: 4 }).listSystemUsers());
    expect(ahead.items.map((u) => u.id)).toEqual(seq.items.map((u) => u.id));
    expect(ahead.pages.map((p) => p.skip)).toEqual([0, 6, 12, 18, 24, 30, 36, 42]);
  });
});

describe('large pages', () => {
  it('uses the maximum page size of 100 and never asks for more', async () => {
    emu.emulator.reseed(3, { users: 250, groups: 3, membershipsPerUser: 1, admins: 2, apps: 1 });
    const client = clientFor(emu, 'api_key');
    const { pages } = await collect(client.listSystemUsers());
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 50]);
    const limits = emu.emulator.requests().map((e) => new URLSearchParams(e.query).get('limit'));
    expect(limits.every((l) => l === '100')).toBe(true);
  });
});

describe('errors on reads', () => {
  it('bad API key → bad_credentials', async () => {
    const client = clientFor(emu, 'api_key');
    emu.emulator.setCredentials({ apiKey: 'jca_somebodyelseskey000000000000000000' });
    const e = await failure(client.checkAccess());
    expect(e.code).toBe('bad_credentials');
  });

  it('bad client secret → bad_credentials from the token endpoint', async () => {
    const client = new JumpCloudClient({
      orgId: emu.credentials.orgId,
      credentials: {
        type: 'service_account',
        clientId: emu.credentials.clientId,
        clientSecret: 'not-the-secret',
      },
      apiUrl: emu.apiUrl,
      tokenUrl: emu.tokenUrl,
      backoff: { baseMs: 5, maxMs: 10 },
    });
    const e = await failure(client.listSystemUsers().next());
    expect(e.code).toBe('bad_credentials');
    expect(e.area).toBe('token');
  });

  it('an org id the credential cannot reach → wrong_org, from checkAccess and from tenant calls', async () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    for (const mode of ['api_key', 'service_account'] as const) {
      const client = clientFor(emu, mode, { orgId: other });
      expect((await failure(client.checkAccess())).code).toBe('wrong_org');
      expect((await failure(client.listSystemUsers().next())).code).toBe('wrong_org');
    }
  });

  it.each([
    ['users.read', 'users'],
    ['groups.read', 'groups'],
    ['administrators.read', 'administrators'],
  ] as const)('a role without %s → missing_permission (%s)', async (perm, area) => {
    for (const mode of ['api_key', 'service_account'] as const) {
      emu.emulator.setDenied('all', [perm]);
      const e = await failure(clientFor(emu, mode).checkAccess());
      expect(e.code).toBe('missing_permission');
      expect(e.area).toBe(area);
      expect(e.status).toBe(403);
    }
  });

  it('unknown group → not_found', async () => {
    const e = await failure(clientFor(emu, 'api_key').getUserGroup('0123456789abcdef01234567'));
    expect(e.code).toBe('not_found');
  });

  it('a multi-tenant credential needs x-org-id, which the client always sends on tenant calls', async () => {
    emu.emulator.settings.requireOrgHeader = true;
    try {
      const { items } = await collect(clientFor(emu, 'api_key').listUserGroups());
      expect(items).toHaveLength(12);
      const res = await fetch(`${emu.apiUrl}/v2/usergroups`, {
        headers: { 'x-api-key': emu.credentials.apiKey },
      });
      expect(res.status).toBe(401);
    } finally {
      emu.emulator.settings.requireOrgHeader = false;
    }
  });

  it('never puts a credential or token in an error or event', async () => {
    const events: string[] = [];
    const registry = new JumpCloudConnectionRegistry();
    const secrets = [emu.credentials.apiKey, emu.credentials.clientSecret];
    const errors: unknown[] = [];
    const onEvent = (e: unknown) => events.push(JSON.stringify(e));
    const sa = clientFor(emu, 'service_account', { onEvent }, registry);
    emu.emulator.addFault({ kind: 'server_error', count: 2 });
    await collect(sa.listSystemUsers());
    secrets.push(...emu.emulator.tokens.keys());
    emu.emulator.setDenied('all', ['users.read']);
    errors.push(await failure(sa.checkAccess()));
    errors.push(await failure(clientFor(emu, 'api_key', { onEvent }).checkAccess()));
    emu.emulator.addFault({ kind: 'server_error' });
    errors.push(await failure(clientFor(emu, 'api_key', { onEvent }).listUserGroups().next()));
    errors.push(await failure(sa.listUserGroups().next()));
    emu.emulator.clearFaults();
    // Rotated on the JumpCloud side: the cached token is refused and the old secret too.
    emu.emulator.setCredentials({
      apiKey: 'jca_changed0000000000000000000000000000',
      clientSecret: 'changed',
    });
    errors.push(await failure(sa.listUserGroups().next()));
    expect(errors.map((e) => (e as { code: string }).code)).toEqual([
      'missing_permission',
      'missing_permission',
      'unavailable',
      'unavailable',
      'bad_credentials',
    ]);
    const text = [
      ...errors.map((e) => {
        const err = e as Error;
        return `${err.message} ${err.stack ?? ''} ${JSON.stringify(err)} ${JSON.stringify(err.cause ?? null)}`;
      }),
      ...events,
    ].join('\n');
    expect(events.length).toBeGreaterThan(0);
    for (const s of secrets) expect(text).not.toContain(s);
  });
});

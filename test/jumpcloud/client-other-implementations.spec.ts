import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JumpCloudClient } from '../../src/jumpcloud';
import { collect } from './helpers';

/**
 * A deliberately different implementation of JumpCloud's contract (not our emulator): pages capped
 * below the requested limit, missing totals, envelopes where bare arrays are expected, nulls. The
 * client must still list everything exactly once (the [INF] items of API-NOTES, read both ways).
 */

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i.toString(16).padStart(24 - prefix.length, '0')}`);
const USERS = ids('aa', 23);
const MEMBERS = ids('bb', 10);
const GROUPS_OF_USER = ids('ee', 12);

let server: Server;
let base = '';
let mode: Record<string, string> = {};
const seen: string[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push(`${url.pathname}?${url.searchParams.toString()}`);
  const limit = Number(url.searchParams.get('limit') ?? '10');
  const skip = Number(url.searchParams.get('skip') ?? '0');
  const send = (body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/api/systemusers' && mode.v1 === 'full-records') {
    // Every field a system user can carry; `fields` honoured as the spec says (a space-separated
    // projection), or ignored when mode.fields is 'ignored'.
    const wanted = (url.searchParams.get('fields') ?? '').split(' ').filter((f) => f !== '');
    const page = USERS.slice(skip, skip + limit).map((id, i) => {
      const full: Record<string, unknown> = {
        _id: id,
        email: `${id}@x`,
        username: `u${i}`,
        firstname: 'Ada',
        lastname: 'Lovelace',
        displayname: 'Ada L.',
        state: 'SUSPENDED',
        activated: true,
        suspended: true,
        account_locked: true,
        manager: USERS[0],
        department: 'R&D',
        jobTitle: 'Analyst',
        employeeIdentifier: `E${i}`,
        created: '2024-01-02T03:04:05.000Z',
        admin: { id: 'ad'.padEnd(24, '0'), roleName: 'Administrator', roleNames: ['Administrator'] },
        ssh_keys: [{ name: 'k', public_key: 'ssh-ed25519 AAAA' }],
        addresses: [{ type: 'work', streetAddress: '1 Main St' }],
        description: 'x'.repeat(200),
      };
      if (mode.fields === 'ignored' || wanted.length === 0) return full;
      return Object.fromEntries(Object.entries(full).filter(([k]) => wanted.includes(k)));
    });
    return send({ totalCount: USERS.length, results: page });
  }
  if (url.pathname === '/api/systemusers') {
    // This server never returns more than 5 per page, whatever the limit.
    const page = USERS.slice(skip, skip + Math.min(limit, 5)).map((id) => ({
      _id: id,
      email: `${id}@x`,
      state: null,
    }));
    if (mode.v1 === 'no-total') return send({ results: page });
    return send({ totalCount: USERS.length, results: page });
  }
  if (/^\/api\/v2\/users\/[0-9a-f]{24}\/memberof$/.test(url.pathname)) {
    // GraphObjectWithPaths; the spec's filter is `object_id:eq:<id>`. mode.filter 'ignored': every
    // group of the user, paged by limit and skip; 'honoured': only the matching one.
    const userId = url.pathname.split('/')[4];
    const wanted = /^object_id:eq:(.+)$/.exec(url.searchParams.get('filter') ?? '')?.[1];
    const all = GROUPS_OF_USER.map((id) => ({
      id,
      type: 'user_group',
      paths: [[{ from: { id: userId, type: 'user' }, to: { id, type: 'user_group' }, attributes: null }]],
    }));
    const list = mode.filter === 'honoured' ? all.filter((g) => g.id === wanted) : all;
    return send(list.slice(skip, skip + limit));
  }
  if (url.pathname.endsWith('/members')) {
    const page = MEMBERS.slice(skip, skip + limit).map((id) => ({
      to: { id, type: 'user' },
      attributes: null,
    }));
    if (mode.v2 === 'envelope') return send({ totalCount: MEMBERS.length, results: page });
    if (mode.v2 === 'header') return send(page, { 'x-total-count': String(MEMBERS.length) });
    return send(page);
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message: 'Not Found' }));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  mode = {};
  seen.length = 0;
});

function client(opts: { pageSize?: number; readAhead?: number } = {}) {
  return new JumpCloudClient({
    orgId: 'cccccccccccccccccccccccc',
    credentials: { type: 'api_key', apiKey: 'jca_test' },
    apiUrl: `${base}/api`,
    backoff: { baseMs: 1, maxMs: 2 },
    ...opts,
  });
}

it('v1 system users: only the fields the client reads are asked for, and an honoured projection loses none of them', async () => {
  mode = { v1: 'full-records', fields: 'ignored' };
  const full = (await collect(client().listSystemUsers())).items;
  mode = { v1: 'full-records' };
  const projected = (await collect(client().listSystemUsers())).items;
  expect(projected).toEqual(full);
  expect(full[1]).toMatchObject({
    state: 'SUSPENDED',
    managerId: USERS[0],
    department: 'R&D',
    adminId: 'ad'.padEnd(24, '0'),
  });
  const fields = new URL(`http://x${seen[seen.length - 1]}`).searchParams.get('fields')?.split(' ');
  expect(fields).toEqual(expect.arrayContaining(['_id', 'email', 'state', 'manager', 'admin']));
  expect(fields).not.toContain('ssh_keys');
});

it('v1: pages shorter than asked are followed by skip += length until totalCount', async () => {
  const { items } = await collect(client().listSystemUsers());
  expect(items.map((u) => u.id)).toEqual(USERS);
  expect(items.every((u) => u.state === 'ACTIVATED')).toBe(true);
  expect(seen.map((s) => new URLSearchParams(s.split('?')[1]).get('skip'))).toEqual([
    '0',
    '5',
    '10',
    '15',
    '20',
  ]);
});

it('v1: with read-ahead, a short page discards the guesses and continues where it really ended', async () => {
  const { items } = await collect(client({ pageSize: 10, readAhead: 3 }).listSystemUsers());
  expect(items.map((u) => u.id)).toEqual(USERS);
  expect(new Set(items.map((u) => u.id)).size).toBe(USERS.length);
});

it('v1 without totalCount: a short page ends the listing (the PowerShell reading)', async () => {
  mode.v1 = 'no-total';
  const { items, pages } = await collect(client({ pageSize: 5 }).listSystemUsers());
  expect(items.map((u) => u.id)).toEqual(USERS);
  expect(pages.every((p) => p.total === null)).toBe(true);
});

it.each(['bare', 'header', 'envelope'])(
  'v2 %s: an exactly full last page is confirmed by an empty one',
  async (m) => {
    mode.v2 = m;
    const { items, pages } = await collect(
      client({ pageSize: 5 }).listGroupMembers('dddddddddddddddddddddddd'),
    );
    expect(items.map((x) => x.id)).toEqual(MEMBERS);
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 0]);
    expect(pages[0]?.total).toBe(m === 'bare' ? null : 10);
  },
);

it.each(['ignored', 'honoured'])(
  'membership read: exact whether the server filters (%s), following short pages',
  async (m) => {
    mode.filter = m;
    const user = 'cd'.padEnd(24, '0');
    const c = client({ pageSize: 5 });
    expect(await c.isGroupMember(GROUPS_OF_USER[11], user)).toBe(true);
    expect(await c.isGroupMember(GROUPS_OF_USER[0], user)).toBe(true);
    expect(await c.isGroupMember('ef'.padEnd(24, '0'), user)).toBe(false);
    const filters = seen.map((q) => new URLSearchParams(q.split('?')[1]).get('filter'));
    expect(new Set(filters)).toEqual(
      new Set([
        `object_id:eq:${GROUPS_OF_USER[11]}`,
        `object_id:eq:${GROUPS_OF_USER[0]}`,
        `object_id:eq:${'ef'.padEnd(24, '0')}`,
      ]),
    );
    // A server that filters answers each question with one call.
    if (m === 'honoured') expect(seen).toHaveLength(3);
    else expect(seen.length).toBeGreaterThan(3);
  },
);

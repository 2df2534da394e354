import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody } from '../helpers/campaigns';
import { putRequestablePolicy } from '../helpers/grants';
import { localId, outsidersOf, startEmulatedOrg, staticGroups, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

const SRC = join(__dirname, '..', '..', 'src');

/** Every *.controller.ts under src (the emulator is not the server), as route-policies.spec.ts finds them. */
function controllerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'emulator' ? [] : controllerFiles(path);
    return name.endsWith('.controller.ts') ? [path] : [];
  });
}

const joinPath = (...parts: string[]) =>
  '/' +
  parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');

/** Every GET route the server declares, as a path template such as /api/v1/campaigns/:id/items. */
function getRoutes(): string[] {
  const out = new Set<string>();
  for (const file of controllerFiles(SRC)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads every controller file found on disk
    const mod = require(file) as Record<string, unknown>;
    for (const exported of Object.values(mod)) {
      if (typeof exported !== 'function') continue;
      const base: unknown = Reflect.getMetadata(PATH_METADATA, exported);
      if (base === undefined) continue;
      const proto = (exported as { prototype: Record<string, unknown> }).prototype;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const handler = proto[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) continue;
        const bases = ([] as string[]).concat(base as string | string[]);
        const paths = ([] as string[]).concat(
          (Reflect.getMetadata(PATH_METADATA, handler) as string[]) ?? '/',
        );
        for (const b of bases) for (const p of paths) out.add(joinPath(b, p));
      }
    }
  }
  return [...out].sort();
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ZERO = '00000000-0000-0000-0000-000000000000';
const TIME_POSITION = b64({ k: '2000-01-01T00:00:00.000000Z', id: ZERO });
const SEQ_POSITION = b64({ k: '0', id: ZERO });
/** Well-formed positions of every kind a list may use (sort key × id): each list takes exactly one. */
const POSITIONS = [
  TIME_POSITION,
  SEQ_POSITION,
  b64({ k: '2000-01-01T00:00:00.000000Z', id: '1' }),
  b64({ k: '0', id: '1' }),
];

/** Cursors jumpgate never issues: malformed, or well-formed JSON with forged values. */
const BAD_CURSORS: [string, string][] = [
  ['not base64url', 'not%20a%20cursor!'],
  ['base64url of no JSON', 'bm90IGpzb24'],
  ['empty', ''],
  ['longer than any cursor', 'A'.repeat(600)],
  ['forged values', b64({ k: 'x', id: 'y' })],
  ['forged id', b64({ k: '2026-01-01T00:00:00.000000Z', id: 'not-a-uuid' })],
  ['a day that does not exist', b64({ k: '2026-02-30T00:00:00.000000Z', id: ZERO })],
  ['SQL in the key', b64({ k: "2026-01-01T00:00:00Z'); DELETE FROM principals; --", id: ZERO })],
  ['a number where a string goes', b64({ k: 1, id: ZERO })],
  ['an extra field', b64({ k: '2026-01-01T00:00:00.000000Z', id: ZERO, limit: 100000 })],
];

/**
 * API.md "Lists": every list answers a malformed or forged cursor with 400 `invalid_cursor`. The routes
 * are found from the controllers, and a route is a list when it answers `{items, nextCursor}`: a list
 * route added later is walked here without editing this file (a route with an id of a kind this file
 * cannot fill in fails the test, so it cannot slip by either).
 */
describe('every list route refuses a cursor it did not issue', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let admin: TestPrincipal;
  /** The id put in place of `:id` after each path segment. */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const org = await startEmulatedOrg({
      seed: 1402,
      sizes: { users: 30, groups: 6, membershipsPerUser: 3, admins: 2, apps: 2 },
    });
    ({ emu, t, db } = org);
    const { connectionId, run } = org;
    admin = await createPrincipal(t, { roles: ['admin'] });
    const approver = await createPrincipal(t);

    const group = staticGroups(emu)[0];
    const outsider = outsidersOf(emu, group)[0];
    const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);
    const groupId = await idOf('directory_groups', group.id);
    const accountId = await idOf('directory_accounts', outsider.id);
    const policy = await putRequestablePolicy(t, admin.token, groupId, [approver.id]);
    expect(policy.status).toBe(200);
    const requester = await createPrincipal(t, { email: outsider.email });
    const request = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId, durationMinutes: 30 },
    });
    expect(request.status).toBe(201);
    const approved = await t.request('POST', `/api/v1/access-requests/${request.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(approved.status).toBe(200);

    const campaign = await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: campaignBody(connectionId, admin.id, {
        name: 'cursor walk',
        scope: { groupIds: [groupId] },
        reviewerIds: [admin.id],
        autoRemediate: false,
      }),
    });
    expect(campaign.status).toBe(201);

    const { dueAt: _dueAt, ...templateCampaign } = campaignBody(connectionId, admin.id, {
      name: 'cursor walk template',
      scope: { groupIds: [groupId] },
      reviewerIds: [admin.id],
      autoRemediate: false,
    });
    const template = await t.request('POST', '/api/v1/campaign-templates', {
      token: admin.token,
      body: { ...templateCampaign, schedule: { everyMonths: 3 }, durationDays: 14 },
    });
    expect(template.status).toBe(201);

    // Disabled: this walk needs the channel's id, not deliveries.
    const channel = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: {
        type: 'webhook',
        name: 'cursor walk',
        enabled: false,
        config: { url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-of-some-length' },
      },
    });
    expect(channel.status).toBe(201);

    const op = await db.query(`SELECT id FROM provisioning_operations ORDER BY created_at LIMIT 1`);
    Object.assign(ids, {
      principals: admin.id,
      tokens: admin.tokenId,
      connections: connectionId,
      syncs: run!.id,
      accounts: accountId,
      groups: groupId,
      'access-requests': request.body.id as string,
      grants: approved.body.grantId as string,
      campaigns: campaign.body.id as string,
      'provisioning-operations': op.rows[0].id as string,
      'notification-channels': channel.body.id as string,
      'campaign-templates': template.body.id as string,
    });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  /** The concrete path of a route template, each `:param` filled with the id of the segment before it. */
  function concrete(route: string): string {
    const parts = route.split('/');
    return parts
      .map((part, i) => {
        if (!part.startsWith(':')) return part;
        const id = ids[parts[i - 1]];
        if (!id) throw new Error(`${route}: no ${parts[i - 1]} id to put in place of ${part}; add one above`);
        return id;
      })
      .join('/');
  }

  const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

  /** Query parameters a route cannot be called without. */
  const REQUIRED_QUERY: Record<string, string> = { '/api/v1/campaigns/:id/progress': 'by=reviewer' };

  it('walks every list route', async () => {
    const routes = getRoutes();
    const lists: string[] = [];
    for (const route of routes) {
      // The browser's sign-in redirects are no lists (and answer 404 here, where sign-in is off).
      if (route.startsWith('/auth/')) continue;
      const path = REQUIRED_QUERY[route]
        ? withQuery(concrete(route), REQUIRED_QUERY[route])
        : concrete(route);
      const res = await t.request('GET', path, { token: admin.token });
      // A list answers an admin 200; another route may refuse the state of what it reads (409, such as
      // evidence of a campaign still open). Anything else means this walk filled the route in wrongly.
      expect({ route, ok: res.status === 200 || res.status === 409 }).toEqual({ route, ok: true });
      const body = res.body as { items?: unknown; nextCursor?: unknown } | string;
      if (typeof body === 'object' && body !== null && Array.isArray(body.items) && 'nextCursor' in body) {
        lists.push(route);
      }
    }
    // The lists of API.md that exist today are found (the walk is not empty by mistake).
    expect(lists).toEqual(
      expect.arrayContaining([
        '/api/v1/principals',
        '/api/v1/principals/:id/tokens',
        '/api/v1/connections',
        '/api/v1/connections/:id/syncs',
        '/api/v1/accounts',
        '/api/v1/groups',
        '/api/v1/groups/:id/members',
        '/api/v1/applications',
        '/api/v1/campaigns',
        '/api/v1/campaigns/:id/items',
        '/api/v1/reviews',
        '/api/v1/catalog',
        '/api/v1/access-requests',
        '/api/v1/grants',
        '/api/v1/audit-events',
        '/api/v1/provisioning-operations',
      ]),
    );

    const wrong: string[] = [];
    for (const route of lists) {
      const path = concrete(route);
      for (const [label, cursor] of BAD_CURSORS) {
        const res = await t.request('GET', withQuery(path, `cursor=${cursor}`), { token: admin.token });
        if (res.status !== 400 || res.body?.code !== 'invalid_cursor') {
          wrong.push(`${route} with ${label}: ${res.status} ${res.text.slice(0, 120)}`);
        }
      }
      const repeated = await t.request(
        'GET',
        withQuery(path, `cursor=${TIME_POSITION}&cursor=${SEQ_POSITION}`),
        {
          token: admin.token,
        },
      );
      if (repeated.status !== 400 || repeated.body?.code !== 'invalid_cursor') {
        wrong.push(`${route} with a repeated cursor: ${repeated.status}`);
      }
      // A well-formed position of the list's own kind passes; those of the other kinds are forged for it.
      const statuses: number[] = [];
      for (const position of POSITIONS) {
        statuses.push(
          (await t.request('GET', withQuery(path, `cursor=${position}`), { token: admin.token })).status,
        );
      }
      if (statuses.filter((x) => x === 200).length !== 1 || statuses.filter((x) => x === 400).length !== 3) {
        wrong.push(`${route}: well-formed positions of each kind give ${statuses.join(', ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('follows its own nextCursor', async () => {
    // Principals: the bootstrap, the admin, the approver and the requester.
    const first = await t.request('GET', '/api/v1/principals?limit=1', { token: BOOTSTRAP_TOKEN });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await t.request('GET', `/api/v1/principals?limit=1&cursor=${first.body.nextCursor}`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(next.status).toBe(200);
    expect(next.body.items[0].id).not.toBe(first.body.items[0].id);
    const audit = await t.request('GET', '/api/v1/audit-events?limit=1', { token: admin.token });
    const more = await t.request('GET', `/api/v1/audit-events?limit=1&cursor=${audit.body.nextCursor}`, {
      token: admin.token,
    });
    expect(more.status).toBe(200);
    expect(more.body.items).toHaveLength(1);
  });
});

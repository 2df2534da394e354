import { startEmulator, type RunningEmulator } from '../../src/emulator';
import {
  JumpCloudClient,
  JumpCloudConnectionRegistry,
  type JumpCloudClientEvent,
  type JumpCloudClientOptions,
} from '../../src/jumpcloud';
import { clientFor, collect } from './helpers';

/**
 * The client's adaptive concurrency against the emulator over real HTTP: what JumpCloud would see
 * (requests in flight at once, from the emulator's own count) and what the client reports.
 */
const SIZES = { users: 400, groups: 6, membershipsPerUser: 2, admins: 3, apps: 2 };
const USERS = '^/api/systemusers$';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 33, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(33, SIZES);
});

/**
 * 40 pages of users, each answer taking 40–80 ms, read 16 ahead so that the limiter, not the
 * listing, decides how many are in flight.
 */
const ADAPTIVE = { limits: { maxConcurrent: 8 }, pageSize: 10, readAhead: 16 };
const slow = () => emu.emulator.addFault({ kind: 'latency', latencyMs: 40, latencyMaxMs: 80 });
const inFlight = () =>
  emu.emulator
    .requests()
    .filter((e) => new RegExp(USERS).test(e.path))
    .map((e) => e.inFlight ?? 0);

it('keeps JUMPCLOUD_MAX_CONCURRENT in flight, no more, and has no requests/s cap unless configured', async () => {
  slow();
  const client = clientFor(emu, 'api_key', ADAPTIVE);
  expect(client.concurrency).toMatchObject({ limit: 8, ceiling: 8, requestsPerSecond: null });
  const { items } = await collect(client.listSystemUsers());
  expect(items).toHaveLength(400);
  expect(emu.emulator.stats().concurrency.highWater).toBe(8);
  expect(client.concurrency).toMatchObject({ limit: 8, decreases: 0, running: 0, queued: 0 });
  // With no limits given at all, the defaults of API.md: 8, and no cap.
  const bare = new JumpCloudClient({
    orgId: emu.credentials.orgId,
    credentials: { type: 'api_key', apiKey: 'x' },
  });
  expect(bare.concurrency).toMatchObject({ ceiling: 8, requestsPerSecond: null });
});

it('a slow page at the head of a listing read 8 ahead does not idle the connection', async () => {
  const client = clientFor(emu, 'api_key', { ...ADAPTIVE, readAhead: 8 });
  const pages = client.listSystemUsers()[Symbol.asyncIterator]();
  const first = await pages.next();
  expect(emu.emulator.requests()).toHaveLength(1);
  // The next request, the head of the read-ahead, answers after 400 ms; the rest at once.
  emu.emulator.addFault({ kind: 'hang', count: 1, hangMs: 400, path: USERS });
  const second = await pages.next();
  // While the head was out, answers behind it let further pages go out: 16 held (twice the
  // read-ahead) besides the first, where refilling only when a page is taken stopped at 8.
  expect(emu.emulator.requests()).toHaveLength(17);
  const ids = [first, second].flatMap((r) => (r.done ? [] : r.value.items.map((u) => u.id)));
  for (let r = await pages.next(); !r.done; r = await pages.next())
    ids.push(...r.value.items.map((u) => u.id));
  expect(ids).toEqual(emu.emulator.store.users.map((u) => u.id).sort());
  // Not one page asked for twice or past the end.
  expect(emu.emulator.requests()).toHaveLength(40);
});

it('429s to a share of calls: the data is exact, the limit halves, and fewer are in flight after', async () => {
  slow();
  // Three listings at once through one connection, so that the limiter, not a listing, sets the pace.
  const readAll = async (overrides: Partial<JumpCloudClientOptions>) => {
    const registry = new JumpCloudConnectionRegistry();
    const clients = [0, 1, 2].map(() =>
      clientFor(emu, 'api_key', { ...ADAPTIVE, connectionKey: 'c', ...overrides }, registry),
    );
    const lists = await Promise.all(clients.map(async (c) => (await collect(c.listSystemUsers())).items));
    return { ids: lists.map((l) => l.map((u) => u.id)), concurrency: clients[0].concurrency };
  };
  const clean = await readAll({});
  const before = inFlight();
  emu.emulator.clearRequests();
  emu.emulator.addFault({ kind: 'rate_limit', fraction: 0.2, retryAfterSeconds: 0, path: USERS });
  const events: JumpCloudClientEvent[] = [];
  const stormy = await readAll({ maxAttempts: 20, onEvent: (e) => events.push(e) });
  expect(stormy.ids).toEqual(clean.ids);
  expect(stormy.ids[0]).toHaveLength(400);
  const limited = events.filter((e) => e.status === 429);
  expect(limited.length).toBeGreaterThan(10);
  expect(stormy.concurrency.decreases).toBeGreaterThanOrEqual(2);
  expect(stormy.concurrency.lowest).toBeLessThanOrEqual(2);
  // Each 429 event carries the limit after it; the first one halved 8 to 4.
  expect(limited[0].limit).toBe(4);
  // What JumpCloud saw: 8 at once most of the time without 429s; past the first 429's window, under
  // half of that on average (AIMD under a steady 20% of 429s hovers around 2–3; without it, 4.7 measured).
  const storm = inFlight();
  const first429 = emu.emulator.requests().findIndex((e) => e.status === 429);
  const after = storm.slice(first429 + 16);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(after.length).toBeGreaterThan(50);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  expect(median(before)).toBeGreaterThanOrEqual(7);
  expect(mean(after)).toBeLessThanOrEqual(3.5);
});

it('several 429s from one window halve once; every client of the connection shares the limit', async () => {
  slow();
  const registry = new JumpCloudConnectionRegistry();
  // The next 8 requests, one window's worth, are all refused.
  emu.emulator.addFault({ kind: 'rate_limit', count: 8, retryAfterSeconds: 0, path: USERS });
  const a = clientFor(emu, 'api_key', { ...ADAPTIVE, connectionKey: 'conn-1' }, registry);
  const b = clientFor(emu, 'api_key', { ...ADAPTIVE, connectionKey: 'conn-1' }, registry);
  const other = clientFor(emu, 'api_key', { ...ADAPTIVE, connectionKey: 'conn-2' }, registry);
  // Fill the window with 8 first-page requests at once (a listing asks for its first page alone).
  await Promise.all(Array.from({ length: 8 }, (_, i) => collect([a, b][i % 2].listSystemUsers())));
  expect(emu.emulator.requests().filter((e) => e.status === 429)).toHaveLength(8);
  expect(a.concurrency.decreases).toBe(1);
  expect(a.concurrency.lowest).toBe(4);
  expect(b.concurrency).toEqual(a.concurrency);
  expect(other.concurrency).toMatchObject({ limit: 8, decreases: 0 });
});

it('a retry waits the announced Retry-After, while the other requests go on', async () => {
  emu.emulator.addFault({ kind: 'rate_limit', count: 1, retryAfterSeconds: 1, path: USERS });
  const registry = new JumpCloudConnectionRegistry();
  const a = clientFor(emu, 'api_key', { connectionKey: 'p', limits: { maxConcurrent: 8 } }, registry);
  const b = clientFor(emu, 'api_key', { connectionKey: 'p', limits: { maxConcurrent: 8 } }, registry);
  const t0 = Date.now();
  const users = collect(a.listSystemUsers()).then(() => Date.now() - t0);
  await new Promise((r) => setTimeout(r, 50));
  const groups = await collect(b.listUserGroups()).then(() => Date.now() - t0);
  const usersMs = await users;
  // The refused request was tried again only after the second JumpCloud asked for.
  const tries = emu.emulator.requests().filter((e) => new RegExp(USERS).test(e.path));
  expect(tries.slice(0, 2).map((e) => e.status)).toEqual([429, 200]);
  expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(990);
  expect(usersMs).toBeGreaterThanOrEqual(990);
  // The other caller of the connection was not held for that second: it finished first.
  expect(groups).toBeLessThan(usersMs);
  expect(a.concurrency).toMatchObject({ lowest: 4, decreases: 1 });
});

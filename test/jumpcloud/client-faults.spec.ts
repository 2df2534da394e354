import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { JumpCloudClient, JumpCloudConnectionRegistry, type JumpCloudClientEvent } from '../../src/jumpcloud';
import { clientFor, collect, failure, type AuthMode } from './helpers';

const SIZES = { users: 30, groups: 6, membershipsPerUser: 2, admins: 3, apps: 2 };

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 21, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(21, SIZES);
});

const USERS = '^/api/systemusers$';
const count = (path: string) => emu.emulator.requests().filter((e) => new RegExp(path).test(e.path)).length;

describe.each<AuthMode>(['api_key', 'service_account'])('faults with %s', (mode) => {
  it('429 with Retry-After: waits as announced, then succeeds', async () => {
    emu.emulator.addFault({ kind: 'rate_limit', count: 1, retryAfterSeconds: 1, path: USERS });
    const events: JumpCloudClientEvent[] = [];
    const t0 = Date.now();
    const { items } = await collect(
      clientFor(emu, mode, { pageSize: 10, onEvent: (e) => events.push(e) }).listSystemUsers(),
    );
    const elapsed = Date.now() - t0;
    expect(items).toHaveLength(30);
    // Backoff alone would wait ~5 ms; the announced second was honoured.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(events.find((e) => e.status === 429)?.delayMs).toBe(1000);
    expect(count(USERS)).toBe(4);
  });

  it('429 without Retry-After: exponential backoff, then succeeds', async () => {
    emu.emulator.addFault({ kind: 'rate_limit', count: 3, retryAfterSeconds: null, path: USERS });
    const events: JumpCloudClientEvent[] = [];
    const { items } = await collect(
      clientFor(emu, mode, { onEvent: (e) => events.push(e) }).listSystemUsers(),
    );
    expect(items).toHaveLength(30);
    const delays = events.filter((e) => e.status === 429).map((e) => e.delayMs ?? -1);
    expect(delays).toHaveLength(3);
    // Attempt n waits between half and all of min(40, 5·2^(n-1)) ms.
    delays.forEach((d, i) => {
      const cap = Math.min(40, 5 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    });
  });

  it('a 429 storm over a whole sync-like read converges to the exact data', async () => {
    const clean = clientFor(emu, mode, { pageSize: 3 });
    const want = {
      users: (await collect(clean.listSystemUsers())).items.map((u) => u.id),
      groups: (await collect(clean.listUserGroups())).items.map((g) => g.id),
    };
    emu.emulator.addFault({ kind: 'rate_limit', fraction: 0.4, retryAfterSeconds: 0, path: '^/api/' });
    const client = clientFor(emu, mode, { pageSize: 3, maxAttempts: 30 });
    const users = (await collect(client.listSystemUsers())).items.map((u) => u.id);
    const groups = (await collect(client.listUserGroups())).items.map((g) => g.id);
    expect(users).toEqual(want.users);
    expect(groups).toEqual(want.groups);
    const limited = emu.emulator.requests().filter((e) => e.status === 429).length;
    expect(limited).toBeGreaterThan(3);
  });

  it('500 twice, then success', async () => {
    emu.emulator.addFault({ kind: 'server_error', count: 2, path: USERS });
    const { items } = await collect(clientFor(emu, mode, { pageSize: 100 }).listSystemUsers());
    expect(items).toHaveLength(30);
    expect(
      emu.emulator
        .requests()
        .filter((e) => /systemusers/.test(e.path))
        .map((e) => e.status),
    ).toEqual([500, 500, 200]);
  });

  it('a hung request times out and is retried', async () => {
    emu.emulator.addFault({ kind: 'hang', count: 1, path: USERS });
    const t0 = Date.now();
    const { items } = await collect(clientFor(emu, mode, { timeoutMs: 300 }).listSystemUsers());
    expect(items).toHaveLength(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(count(USERS)).toBe(1 + Math.ceil(30 / 100));
  });

  it('a slow answer past the timeout is abandoned and retried', async () => {
    emu.emulator.addFault({ kind: 'hang', count: 1, hangMs: 800, path: USERS });
    const { items } = await collect(clientFor(emu, mode, { timeoutMs: 200 }).listSystemUsers());
    expect(items).toHaveLength(30);
    expect(count(USERS)).toBe(2);
  });

  it('added latency within the timeout is just slower', async () => {
    emu.emulator.addFault({ kind: 'latency', count: 1, latencyMs: 150, path: USERS });
    const t0 = Date.now();
    await collect(clientFor(emu, mode).listSystemUsers());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(count(USERS)).toBe(1);
  });

  it('persistent 5xx → unavailable after exactly maxAttempts', async () => {
    emu.emulator.addFault({ kind: 'server_error', status: 503, path: USERS });
    const e = await failure(collect(clientFor(emu, mode, { maxAttempts: 3 }).listSystemUsers()));
    expect(e.code).toBe('unavailable');
    expect(e.attempts).toBe(3);
    expect(e.transient).toBe(true);
    expect(count(USERS)).toBe(3);
  });

  it('persistent 429 → rate_limited after exactly maxAttempts', async () => {
    emu.emulator.addFault({ kind: 'rate_limit', retryAfterSeconds: 0, path: USERS });
    const e = await failure(collect(clientFor(emu, mode, { maxAttempts: 4 }).listSystemUsers()));
    expect(e.code).toBe('rate_limited');
    expect(count(USERS)).toBe(4);
  });

  it('persistent hang → unavailable after bounded attempts', async () => {
    emu.emulator.addFault({ kind: 'hang', path: USERS });
    const e = await failure(
      collect(clientFor(emu, mode, { maxAttempts: 2, timeoutMs: 150 }).listSystemUsers()),
    );
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/after 2 attempts/);
    expect(count(USERS)).toBe(2);
  });

  it('a 500 in the middle of a paged listing retries that page only', async () => {
    const client = clientFor(emu, mode, { pageSize: 10 });
    const pages = client.listSystemUsers();
    const first = await pages.next();
    expect(first.done).toBe(false);
    emu.emulator.addFault({ kind: 'server_error', count: 1, path: USERS });
    const rest = await collect(pages);
    expect(rest.items).toHaveLength(20);
    const skips = emu.emulator
      .requests()
      .filter((e) => e.path === '/api/systemusers')
      .map((e) => `${new URLSearchParams(e.query).get('skip')}:${e.status}`);
    expect(skips).toEqual(['0:200', '10:500', '10:200', '20:200']);
  });
});

it('an unreachable JumpCloud → unavailable', async () => {
  const client = new JumpCloudClient({
    orgId: emu.credentials.orgId,
    credentials: { type: 'api_key', apiKey: emu.credentials.apiKey },
    apiUrl: 'http://127.0.0.1:1/api',
    maxAttempts: 2,
    backoff: { baseMs: 5, maxMs: 10 },
  });
  const e = await failure(client.checkAccess());
  expect(e.code).toBe('unavailable');
});

describe('service-account tokens', () => {
  const tokenCalls = () => count('^/oauth2/token$');

  it('caches the token across calls and across clients of one connection', async () => {
    const registry = new JumpCloudConnectionRegistry();
    const a = clientFor(emu, 'service_account', { connectionKey: 'conn-1' }, registry);
    const b = clientFor(emu, 'service_account', { connectionKey: 'conn-1' }, registry);
    await Promise.all([collect(a.listSystemUsers()), collect(b.listUserGroups()), a.getOrganization()]);
    await collect(b.listAdministrators());
    expect(tokenCalls()).toBe(1);
    // Another connection key gets its own token.
    await collect(clientFor(emu, 'service_account', { connectionKey: 'conn-2' }, registry).listUserGroups());
    expect(tokenCalls()).toBe(2);
  });

  it('fetches a new token on a 401 (once) and carries on', async () => {
    const client = clientFor(emu, 'service_account');
    await collect(client.listUserGroups());
    expect(emu.emulator.revokeTokens()).toBe(1);
    const { items } = await collect(client.listUserGroups());
    expect(items).toHaveLength(6);
    expect(tokenCalls()).toBe(2);
    const statuses = emu.emulator
      .requests()
      .filter((e) => e.path === '/api/v2/usergroups')
      .map((e) => e.status);
    expect(statuses).toEqual([200, 401, 200]);
  });

  it('refetches shortly before expiry', async () => {
    emu.emulator.settings.tokenTtlSeconds = 1;
    try {
      const client = clientFor(emu, 'service_account');
      await client.getOrganization();
      await client.getOrganization();
      expect(tokenCalls()).toBe(1);
      // Refreshed at half the lifetime for short-lived tokens (30 s early for normal ones).
      await new Promise((r) => setTimeout(r, 550));
      await client.getOrganization();
      expect(tokenCalls()).toBe(2);
      expect(emu.emulator.requests().every((e) => e.status === 200)).toBe(true);
    } finally {
      emu.emulator.settings.tokenTtlSeconds = 3600;
    }
  });

  it('a 401 that persists after a fresh token is bad_credentials, with one refetch only', async () => {
    const client = clientFor(emu, 'service_account');
    await client.getOrganization();
    // The token endpoint keeps issuing tokens, but the API rejects them all.
    emu.emulator.addFault({ kind: 'server_error', status: 401, path: '^/api/' });
    const e = await failure(client.getOrganization());
    expect(e.code).toBe('bad_credentials');
    expect(tokenCalls()).toBe(2);
  });

  it('token endpoint 5xx is retried; 403 is missing_permission', async () => {
    emu.emulator.addFault({ kind: 'server_error', count: 2, path: '^/oauth2/token$' });
    await clientFor(emu, 'service_account').getOrganization();
    expect(tokenCalls()).toBe(3);
    emu.emulator.setDenied('service_account', ['token']);
    const e = await failure(clientFor(emu, 'service_account').getOrganization());
    expect(e.code).toBe('missing_permission');
    expect(e.area).toBe('token');
  });
});

describe('per-connection limits', () => {
  it('one limiter is shared by every client of a connection key', async () => {
    const registry = new JumpCloudConnectionRegistry();
    emu.emulator.addFault({ kind: 'latency', latencyMs: 100, path: '^/api/v2/usergroups$' });
    const limits = { maxConcurrent: 1, requestsPerSecond: 1000 };
    const a = clientFor(emu, 'api_key', { connectionKey: 'c', limits }, registry);
    const b = clientFor(emu, 'api_key', { connectionKey: 'c', limits }, registry);
    let t0 = Date.now();
    await Promise.all([a, b, a, b].map((c) => collect(c.listUserGroups())));
    const shared = Date.now() - t0;
    expect(shared).toBeGreaterThanOrEqual(390);
    const c = clientFor(emu, 'api_key', { connectionKey: 'x', limits }, registry);
    const d = clientFor(emu, 'api_key', { connectionKey: 'y', limits }, registry);
    t0 = Date.now();
    await Promise.all([c, d].map((cl) => collect(cl.listUserGroups())));
    expect(Date.now() - t0).toBeLessThan(190);
  });

  it('requests per second are spaced', async () => {
    const client = clientFor(emu, 'api_key', {
      limits: { maxConcurrent: 10, requestsPerSecond: 20 },
      pageSize: 3,
    });
    const t0 = Date.now();
    await collect(client.listSystemUsers());
    // 10 pages at 20/s with a burst of 2 (a tenth of a second's budget): the last starts at 400 ms.
    expect(count(USERS)).toBe(10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });
});

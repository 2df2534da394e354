import { startEmulator, type RunningEmulator } from '../../src/emulator';
import type { InsightsEvent, InsightsQuery, JumpCloudClient } from '../../src/jumpcloud';
import { clientFor, failure, type AuthMode } from './helpers';

const SIZES = { users: 40, groups: 6, membershipsPerUser: 2, admins: 3, apps: 3 };
const DAY = 24 * 3600 * 1000;
const EVENTS = '^/insights/directory/v1/events$';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 31, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(31, SIZES);
});

async function all(
  client: JumpCloudClient,
  q: InsightsQuery,
): Promise<{ events: InsightsEvent[]; pages: number }> {
  const events: InsightsEvent[] = [];
  let pages = 0;
  for await (const page of client.insightsEvents(q)) {
    pages++;
    events.push(...page);
  }
  return { events, pages };
}

const sent = () => emu.emulator.requests().filter((e) => new RegExp(EVENTS).test(e.path));
const last90 = { service: ['all' as const], startTime: new Date(Date.now() - 90 * DAY) };

describe.each<AuthMode>(['api_key', 'service_account'])('Directory Insights events with %s', (mode) => {
  it('reads every page by search_after, each event once, sending the org header', async () => {
    const total = emu.emulator.insights.size;
    expect(total).toBeGreaterThan(60);
    const { events, pages } = await all(clientFor(emu, mode), { ...last90, limit: 25 });
    expect(new Set(events.map((e) => e.id)).size).toBe(total);
    expect(pages).toBe(Math.floor(total / 25) + 1);
    expect(sent().every((e) => e.orgIdHeader === emu.credentials.orgId && e.status === 200)).toBe(true);
    expect(sent()[0]?.auth).toBe(mode === 'api_key' ? 'api_key' : 'bearer');
  });

  it('passes the query through: service, search term, fields, sort, end time', async () => {
    const { events } = await all(clientFor(emu, mode), {
      service: ['sso'],
      startTime: new Date(Date.now() - 90 * DAY),
      endTime: new Date(Date.now() - 30 * DAY),
      searchTerm: { and: { event_type: 'sso_auth' } },
      fields: ['id', 'timestamp', 'event_type'],
      sort: 'DESC',
    });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['event_type', 'id', 'timestamp']);
      expect(Date.parse(e.timestamp)).toBeLessThanOrEqual(Date.now() - 30 * DAY);
    }
    const ts = events.map((e) => Date.parse(e.timestamp));
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
  });

  it('a 429/500 storm still yields exactly the events of a clean read', async () => {
    const clean = (await all(clientFor(emu, mode), { ...last90, limit: 20 })).events.map((e) => e.id);
    emu.emulator.addFault({ kind: 'server_error', count: 2, path: EVENTS });
    emu.emulator.addFault({ kind: 'rate_limit', fraction: 0.3, retryAfterSeconds: 0, path: EVENTS });
    const stormy = (await all(clientFor(emu, mode, { maxAttempts: 12 }), { ...last90, limit: 20 })).events;
    expect(stormy.map((e) => e.id)).toEqual(clean);
    expect(sent().some((e) => e.status === 429)).toBe(true);
    expect(sent().some((e) => e.status === 500)).toBe(true);
  });

  it('a role without Directory Insights → missing_permission (area insights); persistent 500 → unavailable', async () => {
    emu.emulator.setDenied('all', ['insights.read']);
    const denied = await failure(all(clientFor(emu, mode), last90));
    expect(denied.code).toBe('missing_permission');
    expect(denied.area).toBe('insights');
    emu.emulator.setDenied('all', []);
    emu.emulator.addFault({ kind: 'server_error', path: EVENTS });
    const down = await failure(all(clientFor(emu, mode, { maxAttempts: 2 }), last90));
    expect(down.code).toBe('unavailable');
  });
});

it('bad credentials → bad_credentials; a limit outside 1..10,000 is refused before any call', async () => {
  const c = emu.credentials;
  emu.emulator.setCredentials({ apiKey: 'jca_other' });
  const bad = await failure(
    all(clientFor(emu, 'api_key', { credentials: { type: 'api_key', apiKey: c.apiKey } }), last90),
  );
  expect(bad.code).toBe('bad_credentials');
  await expect(all(clientFor(emu, 'api_key'), { ...last90, limit: 10_001 })).rejects.toThrow(RangeError);
  expect(sent().filter((e) => e.status !== 401)).toHaveLength(0);
});

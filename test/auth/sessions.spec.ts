import { flushTestRedis } from '../helpers/app';
import { syncNow } from '../helpers/jumpcloud';
import { type Browser } from '../helpers/oidc';
import { pollUntil, sleep } from '../helpers/poll';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';
import { browserRequest, signedIn, type SignInOrg, startSignInOrg, stopSignInOrg } from '../helpers/signin';

/** Server-side sessions (API.md "Sign-in and sessions"): lifetimes, CSRF, listing and ending them. */
describe('sessions with short lifetimes', () => {
  let org: SignInOrg;

  beforeAll(async () => {
    // 6 s idle, 14.4 s absolute (fractions are allowed for this); a small failure limit behind a trusted
    // proxy. Not shorter: on a loaded machine a sign-in's last step and the next request can be seconds apart.
    org = await startSignInOrg({
      names: ['idle', 'busy', 'guesser'],
      env: {
        SESSION_IDLE_MINUTES: '0.1',
        SESSION_MAX_HOURS: '0.004',
        TRUST_PROXY: 'true',
        AUTH_FAILURE_LIMIT: '5',
      },
    });
  }, 180_000);

  afterAll(async () => {
    if (org) await stopSignInOrg(org);
  });

  it('ends a session left idle past SESSION_IDLE_MINUTES', async () => {
    const jar = await signedIn(org, org.people.idle);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(200);
    await sleep(7_000);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('keeps a used session alive, but never past SESSION_MAX_HOURS', async () => {
    const jar = await signedIn(org, org.people.busy);
    const start = Date.now();
    const seen: { at: number; status: number }[] = [];
    // A request every second: never idle for 6 s, yet the absolute end (14.4 s) comes.
    while (Date.now() - start < 17_000) {
      seen.push({
        at: Date.now() - start,
        status: (await browserRequest(org, jar, 'GET', '/api/v1/me')).status,
      });
      await sleep(1_000);
    }
    expect(seen.filter((s) => s.at < 12_000).every((s) => s.status === 200)).toBe(true);
    expect(seen.filter((s) => s.at > 15_000).every((s) => s.status === 401)).toBe(true);
    // lastSeenAt moved while it was used (not written per request, but within the idle time).
    const row = await org.db.query<{ seen: number }>(
      `SELECT extract(epoch FROM s.last_seen_at - s.created_at) AS seen FROM auth_sessions s
       JOIN principals p ON p.id = s.principal_id WHERE lower(p.email) = lower($1)`,
      [org.people.busy.email],
    );
    expect(Number(row.rows[0].seen)).toBeGreaterThan(8);
  });

  it('counts bad session cookies against the client address like bad tokens; a good session is never refused', async () => {
    const from = { 'x-forwarded-for': '203.0.113.77' };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${org.t.url}/api/v1/me`, {
        headers: { ...from, cookie: `jg_session=guess-${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    const jar = await signedIn(org, org.people.guesser);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me', { headers: from })).status).toBe(200);
  });
});

describe('sessions', () => {
  let org: SignInOrg;

  beforeAll(async () => {
    org = await startSignInOrg({
      names: ['pat', 'sam', 'lee', 'kim', 'gone', 'off'],
      auditors: ['aud'],
      admins: ['boss'],
    });
  }, 180_000);

  afterAll(async () => {
    if (org) await stopSignInOrg(org);
  });

  const tokenCount = async (email: string): Promise<number> =>
    Number(
      (
        await org.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM api_tokens t JOIN principals p ON p.id = t.principal_id WHERE lower(p.email) = lower($1)`,
          [email],
        )
      ).rows[0].n,
    );

  it('refuses a cookie write without the CSRF header or from a foreign Origin (403 csrf), and changes nothing', async () => {
    const jar = await signedIn(org, org.people.pat);
    const body = { name: 'x' };
    const missing = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', { body, csrf: false });
    expect([missing.status, missing.body.code]).toEqual([403, 'csrf']);
    const foreign = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', {
      body,
      headers: { origin: 'https://evil.example' },
    });
    expect([foreign.status, foreign.body.code]).toEqual([403, 'csrf']);
    // Another session's CSRF token does not fit this session.
    const other = await signedIn(org, org.people.sam);
    const othersToken = await other.cookie(org.t.url + '/', 'jg_csrf');
    const mismatched = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', {
      body,
      csrf: false,
      headers: { 'x-csrf-token': othersToken ?? '' },
    });
    expect([mismatched.status, mismatched.body.code]).toEqual([403, 'csrf']);
    expect(await tokenCount(org.people.pat.email)).toBe(0);
    // With the header, from PUBLIC_URL's origin (or no Origin): it works.
    const ok = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', {
      body,
      headers: { origin: org.t.url },
    });
    expect(ok.status).toBe(201);
    expect(await tokenCount(org.people.pat.email)).toBe(1);
    // Reads need no header.
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me/sessions')).status).toBe(200);
    // Logging out is a write too.
    const logout = await browserRequest(org, jar, 'POST', '/auth/logout', { csrf: false });
    expect([logout.status, logout.body.code]).toEqual([403, 'csrf']);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(200);
  });

  it('lets a bearer header win over the cookie (no CSRF needed for a token)', async () => {
    const jar = await signedIn(org, org.people.pat);
    const minted = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', { body: { name: 'script' } });
    const res = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', {
      body: { name: 'by token' },
      csrf: false,
      headers: { authorization: `Bearer ${minted.body.token}` },
    });
    expect(res.status).toBe(201);
    const ev = await org.t.request('GET', `/api/v1/audit-events?targetId=${res.body.id}`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(ev.body.items[0].actor).toMatchObject({ via: 'token', tokenId: minted.body.id });
    // A bad bearer header is not rescued by a good cookie.
    const bad = await browserRequest(org, jar, 'GET', '/api/v1/me', {
      headers: { authorization: 'Bearer jgt_nope' },
    });
    expect(bad.status).toBe(401);
  });

  it('lists and revokes own sessions; another principal’s session is not found', async () => {
    const laptop = await signedIn(org, org.people.lee);
    const phone = await signedIn(org, org.people.lee);
    const list = await browserRequest(org, laptop, 'GET', '/api/v1/me/sessions');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    for (const s of list.body.items) {
      expect(Object.keys(s).sort()).toEqual([
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'lastSeenAt',
        'userAgent',
      ]);
    }
    const current = list.body.items.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    const phoneId = list.body.items.find((s: { current: boolean }) => !s.current).id as string;
    // Expires at the idle end (60 min) before the absolute one (12 h).
    const exp = Date.parse(current[0].expiresAt) - Date.parse(current[0].lastSeenAt);
    expect(exp).toBe(60 * 60_000);

    const kim = await signedIn(org, org.people.kim);
    const stranger = await browserRequest(org, kim, 'DELETE', `/api/v1/me/sessions/${phoneId}`);
    expect(stranger.status).toBe(404);
    expect((await browserRequest(org, phone, 'GET', '/api/v1/me')).status).toBe(200);
    expect((await browserRequest(org, laptop, 'DELETE', '/api/v1/me/sessions/not-a-uuid')).status).toBe(400);

    expect((await browserRequest(org, laptop, 'DELETE', `/api/v1/me/sessions/${phoneId}`)).status).toBe(204);
    expect((await browserRequest(org, phone, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await browserRequest(org, laptop, 'GET', '/api/v1/me')).status).toBe(200);
    const after = await browserRequest(org, laptop, 'GET', '/api/v1/me/sessions');
    expect(after.body.items.map((s: { id: string }) => s.id)).not.toContain(phoneId);
  });

  it('lets admins and auditors list a principal’s sessions and only admins end them all', async () => {
    const target = await signedIn(org, org.people.kim);
    const targetId = (await browserRequest(org, target, 'GET', '/api/v1/me')).body.id as string;
    const aud = await signedIn(org, org.people.aud);
    const boss = await signedIn(org, org.people.boss);
    const plain = await signedIn(org, org.people.sam);
    const path = `/api/v1/principals/${targetId}/sessions`;

    expect((await browserRequest(org, plain, 'GET', path)).status).toBe(403);
    expect((await browserRequest(org, plain, 'DELETE', path)).status).toBe(403);
    const audList = await browserRequest(org, aud, 'GET', path);
    expect(audList.status).toBe(200);
    expect(audList.body.items.length).toBeGreaterThanOrEqual(1);
    expect(audList.body.items.every((s: { current: boolean }) => !s.current)).toBe(true);
    expect((await browserRequest(org, aud, 'DELETE', path)).status).toBe(403);
    expect((await browserRequest(org, target, 'GET', '/api/v1/me')).status).toBe(200);
    const unknown = await org.t.request(
      'GET',
      '/api/v1/principals/00000000-0000-4000-8000-000000000009/sessions',
      {
        token: BOOTSTRAP_TOKEN,
      },
    );
    expect(unknown.status).toBe(404);

    expect((await browserRequest(org, boss, 'DELETE', path)).status).toBe(204);
    expect((await browserRequest(org, target, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await org.t.request('GET', path, { token: BOOTSTRAP_TOKEN })).body.items).toEqual([]);
    const ev = await org.t.request(
      'GET',
      `/api/v1/audit-events?targetId=${targetId}&action=session.ended_all`,
      {
        token: BOOTSTRAP_TOKEN,
      },
    );
    expect(ev.body.items[0]).toMatchObject({
      actor: { via: 'session' },
      data: { sessionsEnded: expect.any(Number) },
    });
    expect(ev.body.items[0].data.sessionsEnded).toBeGreaterThanOrEqual(1);
  });

  it('ends the sessions of a person whose every account a sync suspends, in the sync', async () => {
    const jar = await signedIn(org, org.people.gone);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(200);
    org.emu.emulator.setUserState(org.people.gone.sub, 'SUSPENDED');
    await syncNow(org.t, org.connectionId);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(401);
    const rows = await org.db.query<{ end_reason: string; disabled: boolean }>(
      `SELECT s.end_reason, p.disabled FROM auth_sessions s JOIN principals p ON p.id = s.principal_id
       WHERE lower(p.email) = lower($1)`,
      [org.people.gone.email],
    );
    expect(rows.rows).toEqual([{ end_reason: 'principal_disabled', disabled: true }]);
  });

  it('answers 401 to the live session of a principal disabled without ending it', async () => {
    const jar = await signedIn(org, org.people.off);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(200);
    // As a change outside the API would leave it (the API's own disabling ends the sessions too).
    await org.db.query(`UPDATE principals SET disabled = true WHERE lower(email) = lower($1)`, [
      org.people.off.email,
    ]);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(401);
    const open = await org.db.query(
      `SELECT count(*)::int AS n FROM auth_sessions s JOIN principals p ON p.id = s.principal_id
       WHERE lower(p.email) = lower($1) AND s.ended_at IS NULL`,
      [org.people.off.email],
    );
    expect(open.rows[0].n).toBe(1);
  });

  it('keeps sessions in Postgres: a Redis flush signs nobody out', async () => {
    const jar: Browser = await signedIn(org, org.people.sam);
    await flushTestRedis(org.t.redisUrl);
    await pollUntil(
      async () => (await browserRequest(org, jar, 'GET', '/api/v1/me')).status,
      (s) => s === 200,
      (s) => `status ${s}`,
      { timeoutMs: 5_000 },
    );
  });
});

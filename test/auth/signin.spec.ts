import { DIRECTORY_SYNC_COMPLETED } from '../../src/directory/directory.events';
import { SYNC_COMPLETED_EVENT } from '../../src/auth/role-groups.service';
import { syncNow } from '../helpers/jumpcloud';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';
import {
  browserRequest,
  signedIn,
  signInAs,
  type SignInOrg,
  startSignInOrg,
  stopSignInOrg,
} from '../helpers/signin';

/**
 * The whole authorization code flow against a real OpenID provider process (test/helpers/oidc.ts),
 * with a cookie-jar browser: first sign-in, roles from the directory's role groups, the API from a
 * session, logout.
 */
describe('sign-in with OpenID Connect', () => {
  let org: SignInOrg;

  beforeAll(async () => {
    org = await startSignInOrg({ names: ['ada', 'bo', 'cy', 'di'], admins: ['ada'], auditors: ['bo'] });
  }, 180_000);

  afterAll(async () => {
    if (org) await stopSignInOrg(org);
  });

  const principalRow = async (email: string) =>
    (
      await org.db.query<{
        id: string;
        roles: string[];
        kind: string;
        oidc_issuer: string | null;
        oidc_subject: string | null;
      }>(`SELECT id, roles, kind, oidc_issuer, oidc_subject FROM principals WHERE lower(email) = lower($1)`, [
        email,
      ])
    ).rows[0];

  it('listens for the event the directory publishes after a sync', () => {
    expect(SYNC_COMPLETED_EVENT).toBe(DIRECTORY_SYNC_COMPLETED);
  });

  it('creates the principal at first sign-in, bound and linked to its accounts, with roles from the admin group', async () => {
    const ada = org.people.ada;
    expect(await principalRow(ada.email)).toBeUndefined();

    const result = await signInAs(org, ada, { returnTo: '/reviews?tab=mine' });
    expect(result.status).toBe(302);
    expect(result.finalLocation).toBe('/reviews?tab=mine');
    const session = result.cookies.find((c) => c.startsWith('jg_session='));
    const csrf = result.cookies.find((c) => c.startsWith('jg_csrf='));
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    // Plain http PUBLIC_URL: no Secure (browsers would drop it); the CSRF cookie is readable by script.
    expect(session).not.toMatch(/Secure/);
    expect(csrf).toBeDefined();
    expect(csrf).not.toMatch(/HttpOnly/);

    const row = await principalRow(ada.email);
    expect(row).toMatchObject({
      kind: 'person',
      oidc_issuer: org.idp.issuer,
      oidc_subject: ada.sub,
      roles: ['admin'],
    });

    const me = await browserRequest(org, result.jar, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: row.id,
      email: ada.email,
      roles: ['admin'],
      kind: 'person',
      disabled: false,
    });
    expect(me.body.accounts).toEqual([
      expect.objectContaining({ connectionId: org.connectionId, kind: 'user', email: ada.email }),
    ]);

    // Audited: created by sign-in, roles from the group, the session with via "session".
    const events = await org.t.request('GET', `/api/v1/audit-events?targetId=${row.id}&limit=50`, {
      token: BOOTSTRAP_TOKEN,
    });
    const actions = (events.body.items as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['principal.created', 'principal.roles_changed']));
    const rolesEvent = (events.body.items as { action: string; data: Record<string, unknown> }[]).find(
      (e) => e.action === 'principal.roles_changed',
    );
    expect(rolesEvent?.data).toMatchObject({ changes: { roles: { from: [], to: ['admin'] } } });
    const signedInEvents = await org.t.request(
      'GET',
      `/api/v1/audit-events?action=session.signed_in&actorId=${row.id}`,
      {
        token: BOOTSTRAP_TOKEN,
      },
    );
    expect(signedInEvents.body.items[0].actor).toMatchObject({
      type: 'principal',
      id: row.id,
      via: 'session',
    });
    expect(signedInEvents.body.items[0].actor.sessionId).toEqual(expect.any(String));
  });

  it('gives auditors their role from the auditor group and nobody else a role', async () => {
    const bo = await signedIn(org, org.people.bo);
    expect((await browserRequest(org, bo, 'GET', '/api/v1/me')).body.roles).toEqual(['auditor']);
    const cy = await signedIn(org, org.people.cy);
    expect((await browserRequest(org, cy, 'GET', '/api/v1/me')).body.roles).toEqual([]);
    // The auditor reads through its session what auditors read; the plain person may not.
    expect((await browserRequest(org, bo, 'GET', '/api/v1/principals')).status).toBe(200);
    expect((await browserRequest(org, cy, 'GET', '/api/v1/principals')).status).toBe(403);
  });

  it('binds an existing unbound principal at its first sign-in; its hand-set roles give way to the groups', async () => {
    const di = org.people.di;
    const created = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: di.email.toUpperCase(), roles: ['auditor'] },
    });
    expect(created.status).toBe(201);
    const jar = await signedIn(org, di);
    const me = await browserRequest(org, jar, 'GET', '/api/v1/me');
    expect(me.body).toMatchObject({ id: created.body.id, roles: [] });
    expect(await principalRow(di.email)).toMatchObject({ oidc_subject: di.sub });
    const events = await org.t.request('GET', `/api/v1/audit-events?targetId=${created.body.id}`, {
      token: BOOTSTRAP_TOKEN,
    });
    const actions = (events.body.items as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['principal.bound', 'principal.roles_changed']));
  });

  it('recomputes roles after every sync and audits the change', async () => {
    const cy = org.people.cy;
    const jar = await signedIn(org, cy);
    // Roles follow the sync's completed event, just after the run reads "succeeded".
    const rolesBecome = (roles: string[]) =>
      pollUntil(
        async () => (await browserRequest(org, jar, 'GET', '/api/v1/me')).body.roles as string[],
        (r) => r.join() === roles.join(),
        (r) => `roles still ${r.join() || 'none'}`,
        { timeoutMs: 10_000 },
      );
    org.emu.emulator.externalAddMember(org.adminGroup, cy.sub);
    await syncNow(org.t, org.connectionId);
    await rolesBecome(['admin']);
    org.emu.emulator.externalRemoveMember(org.adminGroup, cy.sub);
    await syncNow(org.t, org.connectionId);
    await rolesBecome([]);
    const row = await principalRow(cy.email);
    const events = await org.t.request(
      'GET',
      `/api/v1/audit-events?targetId=${row.id}&action=principal.roles_changed`,
      {
        token: BOOTSTRAP_TOKEN,
      },
    );
    expect(events.body.items.map((e: { data: { changes: unknown } }) => e.data.changes)).toEqual(
      expect.arrayContaining([
        { roles: { from: [], to: ['admin'] } },
        { roles: { from: ['admin'], to: [] } },
      ]),
    );
  });

  it('refuses PATCH of roles on a bound principal (roles_from_groups) and changes nothing', async () => {
    const row = await principalRow(org.people.ada.email);
    const res = await org.t.request('PATCH', `/api/v1/principals/${row.id}`, {
      token: BOOTSTRAP_TOKEN,
      body: { roles: [] },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('roles_from_groups');
    expect((await principalRow(org.people.ada.email)).roles).toEqual(['admin']);
    // Other fields still change.
    const renamed = await org.t.request('PATCH', `/api/v1/principals/${row.id}`, {
      token: BOOTSTRAP_TOKEN,
      body: { displayName: 'Ada' },
    });
    expect(renamed.status).toBe(200);
  });

  it('lets a session do what a token does, audited with via "session" and the session id', async () => {
    const jar = await signedIn(org, org.people.ada);
    const minted = await browserRequest(org, jar, 'POST', '/api/v1/me/tokens', { body: { name: 'laptop' } });
    expect(minted.status).toBe(201);
    const ev = await org.t.request('GET', `/api/v1/audit-events?targetId=${minted.body.id}`, {
      token: BOOTSTRAP_TOKEN,
    });
    const actor = ev.body.items[0].actor;
    expect(actor).toMatchObject({ via: 'session', email: org.people.ada.email });
    const sessions = await browserRequest(org, jar, 'GET', '/api/v1/me/sessions');
    const current = (sessions.body.items as { id: string; current: boolean }[]).find((s) => s.current);
    expect(actor.sessionId).toBe(current?.id);
    expect(actor.tokenId).toBeUndefined();
    // The token minted from the session works on its own.
    const me = await org.t.request('GET', '/api/v1/me', { token: minted.body.token });
    expect(me.body.email).toBe(org.people.ada.email);
    // And the session, an admin through its group, administers.
    const group = await org.t.request('GET', '/api/v1/principals', { token: BOOTSTRAP_TOKEN });
    expect(group.status).toBe(200);
    expect((await browserRequest(org, jar, 'GET', '/api/v1/connections')).status).toBe(200);
  });

  it('logs out: 204, the session ends and its cookie opens nothing', async () => {
    const jar = await signedIn(org, org.people.ada);
    const url = org.t.url + '/api/v1/me';
    const cookie = await jar.cookie(url, 'jg_session');
    expect((await browserRequest(org, jar, 'POST', '/auth/logout')).status).toBe(204);
    expect(await jar.cookie(url, 'jg_session')).toBeUndefined();
    const replay = await fetch(url, { headers: { cookie: `jg_session=${cookie}` } });
    expect(replay.status).toBe(401);
    const row = await org.db.query<{ end_reason: string }>(
      `SELECT end_reason FROM auth_sessions s JOIN principals p ON p.id = s.principal_id
       WHERE lower(p.email) = lower($1) AND s.ended_at IS NOT NULL ORDER BY s.ended_at DESC LIMIT 1`,
      [org.people.ada.email],
    );
    expect(row.rows[0].end_reason).toBe('logout');
  });

  it('stores only a hash of the session secret', async () => {
    const jar = await signedIn(org, org.people.bo);
    const secret = await jar.cookie(org.t.url + '/', 'jg_session');
    const dump = await org.db.query<{ t: string }>(`SELECT row_to_json(s)::text AS t FROM auth_sessions s`);
    expect(secret).toBeDefined();
    expect(dump.rows.some((r) => r.t.includes(secret!))).toBe(false);
    expect(org.t.logs.some((l) => l.includes(secret!))).toBe(false);
  });
});

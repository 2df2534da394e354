import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { startApp } from '../helpers/app';
import { putRequestablePolicy } from '../helpers/grants';
import { syncNow } from '../helpers/jumpcloud';
import { Browser, signIn } from '../helpers/oidc';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';
import {
  browserRequest,
  type Person,
  signedIn,
  signInAs,
  type SignInOrg,
  startSignInOrg,
  stopSignInOrg,
} from '../helpers/signin';

/**
 * Every way a sign-in is refused (API.md "Sign-in and sessions"): each ends at
 * `/signin-error?code=…` with no session cookie and no principal created or bound.
 */
describe('sign-in refusals', () => {
  let org: SignInOrg;

  beforeAll(async () => {
    org = await startSignInOrg({
      names: ['faulty', 'unverified', 'suspended', 'disabled', 'bound', 'redirect', 'fresh', 'service'],
    });
  }, 180_000);

  afterAll(async () => {
    if (org) await stopSignInOrg(org);
  });

  afterEach(async () => {
    await org.idp.control.clear();
  });

  const principalCount = async (email: string): Promise<number> =>
    Number(
      (
        await org.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM principals WHERE lower(email) = lower($1)`,
          [email],
        )
      ).rows[0].n,
    );

  async function expectRefused(who: Person, code: string): Promise<void> {
    const r = await signInAs(org, who);
    expect(r.status).toBe(302);
    expect(r.finalLocation).toBe(`/signin-error?code=${code}`);
    expect(r.cookies.some((c) => /^jg_session=[^;]/.test(c))).toBe(false);
    const me = await browserRequest(org, r.jar, 'GET', '/api/v1/me');
    expect(me.status).toBe(401);
  }

  it('refuses a callback this browser did not start (state_mismatch)', async () => {
    const started = await signIn(
      org.t.url,
      { email: org.people.fresh.email, password: org.password },
      { stopBeforeCallback: true },
    );
    // Another browser (no login cookie) replays the callback URL.
    const other = new Browser();
    const replay = await other.request(started.callbackUrl);
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/signin-error?code=state_mismatch');
    // The right browser with a state that is not the one it sent.
    const tampered = new URL(started.callbackUrl);
    tampered.searchParams.set('state', 'not-the-state');
    const wrong = await started.jar.request(tampered.href);
    expect(wrong.headers.get('location')).toBe('/signin-error?code=state_mismatch');
    // A forged login cookie opens nothing either.
    const forged = await fetch(started.callbackUrl, {
      headers: { cookie: 'jg_login=AAAA' },
      redirect: 'manual',
    });
    expect(forged.headers.get('location')).toBe('/signin-error?code=state_mismatch');
    expect(await principalCount(org.people.fresh.email)).toBe(0);
  });

  it.each([
    [{ kind: 'wrong_audience' as const }, 'invalid_token'],
    [{ kind: 'expired' as const }, 'invalid_token'],
    [{ kind: 'foreign_key' as const }, 'invalid_token'],
    [{ kind: 'nonce' as const, nonce: 'another-nonce' }, 'invalid_token'],
    [{ kind: 'provider_error' as const }, 'provider_error'],
  ])('maps a faulty token response %p to %s', async (fault, code) => {
    await org.idp.control.nextIdToken(fault);
    await expectRefused(org.people.faulty, code);
    expect(await org.idp.control.pending()).toEqual([]);
    expect(await principalCount(org.people.faulty.email)).toBe(0);
  });

  it('refuses email_verified: false (email_unverified)', async () => {
    await org.idp.control.nextIdToken({ kind: 'email_unverified' });
    await expectRefused(org.people.unverified, 'email_unverified');
    expect(await principalCount(org.people.unverified.email)).toBe(0);
  });

  it('refuses someone without a directory account (no_account)', async () => {
    await expectRefused(org.stranger, 'no_account');
    expect(await principalCount(org.stranger.email)).toBe(0);
  });

  it('refuses a suspended account (account_inactive)', async () => {
    org.emu.emulator.setUserState(org.people.suspended.sub, 'SUSPENDED');
    await syncNow(org.t, org.connectionId);
    await expectRefused(org.people.suspended, 'account_inactive');
    expect(await principalCount(org.people.suspended.email)).toBe(0);
  });

  it('refuses a disabled principal (principal_disabled)', async () => {
    const jar = await signedIn(org, org.people.disabled);
    const me = await browserRequest(org, jar, 'GET', '/api/v1/me');
    const patched = await org.t.request('PATCH', `/api/v1/principals/${me.body.id}`, {
      token: BOOTSTRAP_TOKEN,
      body: { disabled: true },
    });
    expect(patched.status).toBe(200);
    // Disabling ended its session at once...
    expect((await browserRequest(org, jar, 'GET', '/api/v1/me')).status).toBe(401);
    // ...and it cannot sign in again.
    await expectRefused(org.people.disabled, 'principal_disabled');
  });

  it('refuses a second subject for an email already bound (identity_conflict)', async () => {
    await signedIn(org, org.people.bound);
    await org.idp.control.nextIdToken({ kind: 'sub', sub: 'someone-else' });
    await expectRefused(org.people.bound, 'identity_conflict');
    const rows = await org.db.query<{ oidc_subject: string }>(
      `SELECT oidc_subject FROM principals WHERE lower(email) = lower($1)`,
      [org.people.bound.email],
    );
    expect(rows.rows).toEqual([{ oidc_subject: org.people.bound.sub }]);
  });

  it.each([
    'https://evil.example/steal',
    '//evil.example/x',
    '/\\evil.example',
    'relative',
    'javascript:alert(1)',
  ])('sends returnTo %s back to / (never off-site)', async (returnTo) => {
    const r = await signInAs(org, org.people.redirect, { returnTo });
    expect(r.finalLocation).toBe('/');
    expect(r.cookies.some((c) => /^jg_session=[^;]/.test(c))).toBe(true);
  });

  it('keeps a path of this site as returnTo', async () => {
    const r = await signInAs(org, org.people.redirect, { returnTo: '/approvals?x=1' });
    expect(r.finalLocation).toBe('/approvals?x=1');
  });

  it("refuses a service principal with a person's email (409 email_belongs_to_person) and creates nothing", async () => {
    const person = org.people.service;
    const res = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: person.email.toUpperCase(), kind: 'service' },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('email_belongs_to_person');
    expect(await principalCount(person.email)).toBe(0);
    // Nor the email of a person principal who has no account (created by an admin).
    const email = `ops.${Date.now()}@nowhere.example.com`;
    expect(
      (await org.t.request('POST', '/api/v1/principals', { token: BOOTSTRAP_TOKEN, body: { email } })).status,
    ).toBe(201);
    const again = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email, kind: 'service' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('email_belongs_to_person');
    // A bad kind is a 400.
    const bad = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: `x.${Date.now()}@nowhere.example.com`, kind: 'robot' },
    });
    expect(bad.status).toBe(400);
  });

  it('no longer lets an admin mint a token for a person; for a service principal it does', async () => {
    const person = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: `person.${Date.now()}@nowhere.example.com` },
    });
    const minted = await org.t.request('POST', `/api/v1/principals/${person.body.id}/tokens`, {
      token: BOOTSTRAP_TOKEN,
      body: { name: 'handed over' },
    });
    expect(minted.status).toBe(403);
    expect(minted.body.code).toBe('person_tokens_are_self_service');
    const tokens = await org.t.request('GET', `/api/v1/principals/${person.body.id}/tokens`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(tokens.body.items).toEqual([]);
    const service = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: `ci.${Date.now()}@robots.example.com`, kind: 'service' },
    });
    expect(service.status).toBe(201);
    expect(service.body.kind).toBe('service');
    const ok = await org.t.request('POST', `/api/v1/principals/${service.body.id}/tokens`, {
      token: BOOTSTRAP_TOKEN,
      body: { name: 'ci' },
    });
    expect(ok.status).toBe(201);
    // A service principal is never linked to directory accounts.
    const me = await org.t.request('GET', '/api/v1/me', { token: ok.body.token });
    expect(me.body).toMatchObject({ kind: 'service', accounts: [] });
  });

  it('refuses to make a role group requestable (400 role_group)', async () => {
    const groups = await org.t.request('GET', `/api/v1/groups?limit=500`, { token: BOOTSTRAP_TOKEN });
    const adminGroup = (groups.body.items as { id: string; externalId: string }[]).find(
      (g) => g.externalId === org.adminGroup,
    );
    expect(adminGroup).toBeDefined();
    const owner = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: `owner.${Date.now()}@nowhere.example.com` },
    });
    const res = await putRequestablePolicy(org.t, BOOTSTRAP_TOKEN, adminGroup!.id, [owner.body.id]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('role_group');
    const policy = await org.t.request('GET', `/api/v1/groups/${adminGroup!.id}/policy`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(policy.body.requestable).toBe(false);
  });
});

describe('sign-in while it is not configured', () => {
  it('answers /auth/login with 404 sign_in_not_configured and lets admins mint for people as before', async () => {
    const t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN });
    try {
      const res = await fetch(`${t.url}/auth/login?returnTo=/x`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('sign_in_not_configured');
      const cb = await fetch(`${t.url}/auth/callback?code=x&state=y`, { redirect: 'manual' });
      expect(cb.status).toBe(404);
      const p = await t.request('POST', '/api/v1/principals', {
        token: BOOTSTRAP_TOKEN,
        body: { email: `p.${Date.now()}@example.com` },
      });
      expect(p.body.kind).toBe('person');
      const minted = await t.request('POST', `/api/v1/principals/${p.body.id}/tokens`, {
        token: BOOTSTRAP_TOKEN,
        body: { name: 'as before' },
      });
      expect(minted.status).toBe(201);
    } finally {
      await t.close();
    }
  });

  it('sends the browser to provider_error while discovery fails, and discovers again at the next sign-in', async () => {
    // A stand-in provider whose discovery document fails once, then answers.
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503).end();
        return;
      }
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const t = await startApp({
      OIDC_ISSUER_URL: issuer,
      OIDC_CLIENT_ID: 'jumpgate',
      OIDC_CLIENT_SECRET: 'not-a-real-secret',
      PUBLIC_URL: 'http://jumpgate.test:8080',
    });
    try {
      const first = await fetch(`${t.url}/auth/login`, { redirect: 'manual' });
      expect(first.status).toBe(302);
      expect(first.headers.get('location')).toBe('/signin-error?code=provider_error');
      const second = await fetch(`${t.url}/auth/login?returnTo=/reviews`, { redirect: 'manual' });
      expect(second.status).toBe(302);
      const to = new URL(second.headers.get('location') ?? '');
      expect(`${to.origin}${to.pathname}`).toBe(`${issuer}/authorize`);
      expect(Object.fromEntries(to.searchParams)).toMatchObject({
        client_id: 'jumpgate',
        response_type: 'code',
        redirect_uri: 'http://jumpgate.test:8080/auth/callback',
        scope: 'openid email profile',
        code_challenge_method: 'S256',
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        state: expect.any(String),
        nonce: expect.any(String),
      });
      // State, nonce and verifier stay in a sealed, short-lived, HttpOnly cookie for /auth only.
      const cookie = second.headers.getSetCookie().find((c) => c.startsWith('jg_login='));
      expect(cookie).toMatch(/Path=\/auth; SameSite=Lax; Max-Age=600; HttpOnly/);
      expect(cookie).not.toContain(to.searchParams.get('state'));
      expect(calls).toBe(2);
      expect(t.logs.some((l) => l.includes('not-a-real-secret'))).toBe(false);
    } finally {
      await t.close();
      server.close();
    }
  });
});

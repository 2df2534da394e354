import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import {
  type IdpUser,
  type IdTokenFault,
  Browser,
  SignInRefused,
  signIn,
  startIdp,
  type TestIdp,
} from '../helpers/oidc';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { freePort, ROOT } from '../helpers/processes';
import { startTinyRp, type TinyRp } from './tiny-rp';

// The provider runs as its own process (test/helpers/oidc.ts spawns src/idp/main.ts); the relying party
// is a small hand-driven one in this process (tiny-rp.ts), standing in for jumpgate's server side.
const ADA: IdpUser = { sub: 'sub-ada', email: 'ada@example.com', name: 'Ada Lovelace', password: 'ada-pw-1' };
type Jwks = { keys: Record<string, string>[] };
type OAuthError = { error: string; error_description?: string };
async function json<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

const BOB: IdpUser = {
  sub: 'sub-bob',
  email: 'bob@example.com',
  name: 'Bob Unverified',
  password: 'bob-pw-1',
  email_verified: false,
};

describe('the local OpenID provider', () => {
  let rp: TinyRp;
  let idp: TestIdp;
  let discovery: { jwks_uri: string; token_endpoint: string; authorization_endpoint: string };

  beforeAll(async () => {
    rp = await startTinyRp();
    idp = await startIdp({ users: [ADA, BOB], redirectUri: rp.redirectUri });
    discovery = await rp.configure(idp);
  });
  afterAll(async () => {
    await idp?.stop();
    await rp?.close();
  });
  afterEach(async () => idp.control.clear());

  const lastCallback = () => rp.callbacks[rp.callbacks.length - 1];
  const jwks = () => createRemoteJWKSet(new URL(discovery.jwks_uri));
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('publishes discovery for code + PKCE S256 and one public RS256 key', async () => {
    const d = await json<Record<string, string | string[]>>(
      fetch(`${idp.issuer}/.well-known/openid-configuration`),
    );
    expect(d).toMatchObject({
      issuer: idp.issuer,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'email', 'profile'],
      id_token_signing_alg_values_supported: ['RS256'],
      grant_types_supported: ['authorization_code'],
    });
    expect(d.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'email_verified', 'name']));
    expect(d.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
    const { keys } = await json<Jwks>(fetch(d.jwks_uri as string));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(typeof keys[0].kid).toBe('string');
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(secret);
  });

  it('signs a person in with the right password: the id_token carries their claims and verifies with the JWKS', async () => {
    const result = await signIn(
      rp.url,
      { email: 'ADA@example.com', password: ADA.password },
      { returnTo: '/reviews?x=1' },
    );
    expect(result.status).toBe(302);
    expect(result.finalLocation).toBe('/reviews?x=1');
    expect(result.cookies.some((c) => /^rp_session=[\w-]+/.test(c))).toBe(true);
    expect(result.callbackUrl.startsWith(`${rp.redirectUri}?code=`)).toBe(true);
    const cb = lastCallback();
    expect(cb.code).toBe('ok');
    const { payload, protectedHeader } = await jwtVerify(cb.idToken as string, jwks(), {
      issuer: idp.issuer,
      audience: idp.clientId,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      sub: ADA.sub,
      email: ADA.email,
      email_verified: true,
      name: ADA.name,
      nonce: cb.nonce,
    });
    // The browser kept the relying party's cookie for its own origin only.
    expect(await result.jar.cookie(rp.url, 'rp_session')).toBeDefined();
    expect(await result.jar.cookie(idp.url, 'rp_session')).toBeUndefined();
  });

  it('refuses a wrong password or an unknown email with the form again (401), and no code is issued', async () => {
    const before = rp.callbacks.length;
    for (const attempt of [
      { email: ADA.email, password: 'wrong' },
      { email: 'nobody@example.com', password: ADA.password },
      { email: ADA.email, password: '' },
    ]) {
      const err: unknown = await signIn(rp.url, attempt).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SignInRefused);
      const refused = err as SignInRefused;
      expect(refused.status).toBe(401);
      expect(refused.url.startsWith(`${idp.url}/interaction/`)).toBe(true);
      expect(refused.body).toContain('Wrong email or password.');
      expect(refused.body).toContain(`value="${attempt.email}"`);
      expect(refused.body).not.toContain(ADA.password);
    }
    expect(rp.callbacks.length).toBe(before);
  });

  it('shows a plain, labelled login form that needs no JavaScript, and escapes what it echoes', async () => {
    const browser = new Browser();
    let res = await browser.request(`${rp.url}/auth/login`);
    let url = `${rp.url}/auth/login`;
    while (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location') as string, url).href;
      res = await browser.request(url);
    }
    expect(res.status).toBe(200);
    expect(url).toMatch(new RegExp(`^${idp.url}/interaction/[\\w-]+$`));
    const html = await res.text();
    expect(html).toMatch(/<form method="post" action="\/interaction\/[\w-]+\/login">/);
    expect(html).toContain('<label for="email">Email</label>');
    expect(html).toContain('<input id="email" name="email" type="email"');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('<input id="password" name="password" type="password"');
    expect(html).not.toMatch(/<script/i);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    // The post redirects on to the relying party's callback: its origin, and nothing wider, may receive it.
    expect(/form-action ([^;]*)/.exec(csp)?.[1]).toBe(`'self' ${new URL(rp.redirectUri).origin}`);

    const action = new URL(/action="([^"]+)"/.exec(html)?.[1] as string, url).href;
    const posted = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: '"><script>alert(1)</script>', password: 'x' }).toString(),
    });
    expect(posted.status).toBe(401);
    const again = await posted.text();
    expect(again).not.toContain('<script>alert(1)</script>');
    expect(again).toContain('&quot;&gt;&lt;script&gt;');
    // A form post that is not url-encoded is refused, not guessed at.
    const json = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADA.email, password: ADA.password }),
    });
    expect(json.status).toBe(415);
  });

  it('a second sign-in in the same browser reuses the provider session, with no form and no consent page', async () => {
    const first = await signIn(rp.url, { email: ADA.email, password: ADA.password });
    expect(first.finalLocation).toBe('/');
    // A wrong password would be refused if a form were shown: none is, the session carries it.
    const second = await signIn(
      rp.url,
      { email: ADA.email, password: 'not-asked' },
      { jar: first.jar, returnTo: '/x' },
    );
    expect(second.finalLocation).toBe('/x');
    expect(decodeJwt(lastCallback().idToken as string).sub).toBe(ADA.sub);
  });

  it('requires PKCE with S256: no challenge or the plain method is refused, and the wrong verifier gets invalid_grant', async () => {
    const noChallenge: Record<string, string> = {};
    for (const pkce of [noChallenge, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }]) {
      const auth = new URL(discovery.authorization_endpoint);
      auth.search = new URLSearchParams({
        response_type: 'code',
        client_id: idp.clientId,
        redirect_uri: rp.redirectUri,
        scope: 'openid email profile',
        state: 's1',
        nonce: 'n1',
        ...pkce,
      }).toString();
      const res = await fetch(auth, { redirect: 'manual' });
      expect(res.status).toBe(303);
      const back = new URL(res.headers.get('location') as string);
      expect(back.origin + back.pathname).toBe(rp.redirectUri);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('code')).toBeNull();
    }

    const { callbackUrl } = await signIn(
      rp.url,
      { email: ADA.email, password: ADA.password },
      { stopBeforeCallback: true },
    );
    const cb = new URL(callbackUrl);
    const verifier = rp.verifierFor(cb.searchParams.get('state') as string) as string;
    const exchange = (codeVerifier: string) =>
      fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: basic(idp.clientId, idp.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: cb.searchParams.get('code') as string,
          redirect_uri: rp.redirectUri,
          code_verifier: codeVerifier,
        }).toString(),
      });
    const wrong = await exchange('b'.repeat(43));
    expect(wrong.status).toBe(400);
    expect((await json<OAuthError>(wrong)).error).toBe('invalid_grant');
    const right = await exchange(verifier);
    expect(right.status).toBe(200);
    expect(decodeJwt((await json<{ id_token: string }>(right)).id_token).sub).toBe(ADA.sub);
    // A code is good once.
    const replay = await exchange(verifier);
    expect(replay.status).toBe(400);
  });

  it('takes the client secret as client_secret_basic or client_secret_post, and refuses a wrong one (401)', async () => {
    const { callbackUrl } = await signIn(
      rp.url,
      { email: ADA.email, password: ADA.password },
      { stopBeforeCallback: true },
    );
    const cb = new URL(callbackUrl);
    const params = {
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code') as string,
      redirect_uri: rp.redirectUri,
      code_verifier: rp.verifierFor(cb.searchParams.get('state') as string) as string,
    };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrongSecret = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { ...form, authorization: basic(idp.clientId, 'not-the-secret') },
      body: new URLSearchParams(params).toString(),
    });
    expect(wrongSecret.status).toBe(401);
    expect((await json<OAuthError>(wrongSecret)).error).toBe('invalid_client');
    const post = (secret: string) =>
      fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ ...params, client_id: idp.clientId, client_secret: secret }).toString(),
      });
    const wrongPost = await post('not-the-secret');
    expect(wrongPost.status).toBe(401);
    expect((await json<OAuthError>(wrongPost)).error).toBe('invalid_client');
    // The code survived the refused attempts: the right secret, sent in the body, gets the tokens.
    const rightPost = await post(idp.clientSecret);
    expect(rightPost.status).toBe(200);
    expect(decodeJwt((await json<{ id_token: string }>(rightPost)).id_token).sub).toBe(ADA.sub);
  });

  it('says email_verified: false for a user marked so, and the relying party can refuse them', async () => {
    const result = await signIn(rp.url, { email: BOB.email, password: BOB.password });
    expect(result.finalLocation).toBe('/signin-error?code=email_unverified');
    expect(decodeJwt(lastCallback().idToken as string).email_verified).toBe(false);
  });

  describe('test controls: each makes the next token response faulty in the way it promises', () => {
    async function faultySignIn(fault: IdTokenFault) {
      await idp.control.nextIdToken(fault);
      expect(await idp.control.pending()).toEqual([fault]);
      const result = await signIn(rp.url, { email: ADA.email, password: ADA.password });
      expect(await idp.control.pending()).toEqual([]);
      const cb = lastCallback();
      return { result, cb, token: cb.idToken as string };
    }

    it('wrong_audience: signed by the provider, for another client', async () => {
      const { result, token } = await faultySignIn({ kind: 'wrong_audience' });
      expect(result.finalLocation).toBe('/signin-error?code=invalid_token');
      await expect(jwtVerify(token, jwks(), { audience: idp.clientId })).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        claim: 'aud',
      });
      const { payload } = await jwtVerify(token, jwks(), { issuer: idp.issuer });
      expect(payload.aud).toBe('another-client');
      expect(payload.sub).toBe(ADA.sub);
      const named = await faultySignIn({ kind: 'wrong_audience', audience: 'someone-else' });
      expect(decodeJwt(named.token).aud).toBe('someone-else');
    });

    it('expired: exp in the past, otherwise valid', async () => {
      const { result, token } = await faultySignIn({ kind: 'expired' });
      expect(result.finalLocation).toBe('/signin-error?code=invalid_token');
      await expect(jwtVerify(token, jwks(), { audience: idp.clientId })).rejects.toBeInstanceOf(
        errors.JWTExpired,
      );
      const { exp, iat } = decodeJwt(token);
      expect((exp as number) * 1000).toBeLessThan(Date.now() - 60_000);
      expect(iat as number).toBeLessThan(exp as number);
      // The provider's own signature: it verifies at a time before it expired.
      const { payload } = await jwtVerify(token, jwks(), {
        audience: idp.clientId,
        currentDate: new Date(((exp as number) - 60) * 1000),
      });
      expect(payload.sub).toBe(ADA.sub);
    });

    it('foreign_key: signed by a key the JWKS does not hold, under the published kid', async () => {
      const { result, token } = await faultySignIn({ kind: 'foreign_key' });
      expect(result.finalLocation).toBe('/signin-error?code=invalid_token');
      await expect(jwtVerify(token, jwks())).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
      const { keys } = await json<Jwks>(fetch(discovery.jwks_uri));
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: keys[0].kid });
      expect(decodeJwt(token)).toMatchObject({ aud: idp.clientId, sub: ADA.sub, email: ADA.email });
    });

    it('email_unverified: a valid token saying email_verified false', async () => {
      const { result, token } = await faultySignIn({ kind: 'email_unverified' });
      expect(result.finalLocation).toBe('/signin-error?code=email_unverified');
      const { payload } = await jwtVerify(token, jwks(), { issuer: idp.issuer, audience: idp.clientId });
      expect(payload).toMatchObject({ sub: ADA.sub, email: ADA.email, email_verified: false });
    });

    it('sub: a valid token with another subject for the same email', async () => {
      const { result, token } = await faultySignIn({ kind: 'sub', sub: 'another-sub' });
      expect(result.finalLocation).toBe('/');
      const { payload } = await jwtVerify(token, jwks(), { issuer: idp.issuer, audience: idp.clientId });
      expect(payload).toMatchObject({ sub: 'another-sub', email: ADA.email, email_verified: true });
    });

    it('nonce: a valid token carrying a nonce the relying party never sent', async () => {
      const { result, cb, token } = await faultySignIn({ kind: 'nonce', nonce: 'forged-nonce' });
      expect(result.finalLocation).toBe('/signin-error?code=invalid_token');
      expect(cb.verifyError).toBe('nonce mismatch');
      const { payload } = await jwtVerify(token, jwks(), { issuer: idp.issuer, audience: idp.clientId });
      expect(payload.nonce).toBe('forged-nonce');
      expect(cb.nonce).not.toBe('forged-nonce');
    });

    it('provider_error: the token request answers an OAuth error and no token', async () => {
      const { result, cb } = await faultySignIn({
        kind: 'provider_error',
        error: 'temporarily_unavailable',
        error_description: 'try later',
      });
      expect(result.finalLocation).toBe('/signin-error?code=provider_error');
      expect(cb.idToken).toBeUndefined();
      expect(cb.tokenError).toEqual({
        status: 400,
        body: { error: 'temporarily_unavailable', error_description: 'try later' },
      });
      const plain = await faultySignIn({ kind: 'provider_error' });
      expect(plain.cb.tokenError?.body.error).toBe('server_error');
    });

    it('faults queue in order and each is spent by one token response; the next is clean', async () => {
      await idp.control.nextIdToken({ kind: 'sub', sub: 'first' });
      await idp.control.nextIdToken({ kind: 'sub', sub: 'second' });
      await signIn(rp.url, { email: ADA.email, password: ADA.password });
      expect(decodeJwt(lastCallback().idToken as string).sub).toBe('first');
      await signIn(rp.url, { email: ADA.email, password: ADA.password });
      expect(decodeJwt(lastCallback().idToken as string).sub).toBe('second');
      const clean = await signIn(rp.url, { email: ADA.email, password: ADA.password });
      expect(clean.finalLocation).toBe('/');
      expect(lastCallback().claims?.sub).toBe(ADA.sub);
    });

    it('refuses a malformed fault with 400 and queues nothing', async () => {
      for (const body of [{ kind: 'bogus' }, { kind: 'sub' }, { kind: 'nonce', nonce: 7 }, 'text', null]) {
        const res = await fetch(`${idp.url}/__idp/next-id-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(400);
      }
      expect(await idp.control.pending()).toEqual([]);
    });
  });
});

describe('the local OpenID provider without test controls', () => {
  it('serves no control endpoint', async () => {
    const rp = await startTinyRp();
    const idp = await startIdp({ users: [ADA], redirectUri: rp.redirectUri, testControls: false });
    try {
      await rp.configure(idp);
      const res = await fetch(`${idp.url}/__idp/next-id-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'expired' }),
      });
      expect(res.status).toBe(404);
      await expect(idp.control.nextIdToken({ kind: 'expired' })).rejects.toThrow(/without test controls/);
      // And sign-in is untouched by the attempt.
      const result = await signIn(rp.url, { email: ADA.email, password: ADA.password });
      expect(result.finalLocation).toBe('/');
    } finally {
      await idp.stop();
      await rp.close();
    }
  });
});

describe('the local OpenID provider reading its users from a JumpCloud API', () => {
  let emu: RunningEmulator;
  let rp: TinyRp;
  beforeAll(async () => {
    // 150 users: two pages of /systemusers (at most 100 a page).
    emu = await startEmulator({ port: 0, seed: 11, sizes: { users: 150, groups: 2, admins: 0, apps: 0 } });
    rp = await startTinyRp();
  });
  afterAll(async () => {
    await rp?.close();
    await emu?.close();
  });

  it('lets every activated system user sign in with the shared password, sub = their JumpCloud id', async () => {
    const users = emu.emulator.store.users;
    const active = users.filter((u) => u.state === 'ACTIVATED');
    const suspended = users.find((u) => u.state === 'SUSPENDED');
    const staged = users.find((u) => u.state === 'STAGED');
    expect(active.length).toBeGreaterThan(100);
    const idp = await startIdp({
      jumpcloud: { url: emu.apiUrl, apiKey: emu.credentials.apiKey, password: 'demo-pass-1' },
      redirectUri: rp.redirectUri,
    });
    try {
      await rp.configure(idp);
      const listed = emu.emulator.requests({ path: '/api/systemusers' });
      expect(listed.map((r) => [r.auth, r.status])).toEqual([
        ['api_key', 200],
        ['api_key', 200],
      ]);
      const last = active[active.length - 1];
      const result = await signIn(rp.url, { email: last.email, password: 'demo-pass-1' });
      expect(result.finalLocation).toBe('/');
      const claims = rp.callbacks[rp.callbacks.length - 1].claims;
      expect(claims).toMatchObject({
        sub: last.id,
        email: last.email,
        email_verified: true,
        name: last.displayname,
      });
      expect(suspended && staged).toBeDefined();
      for (const u of [suspended, staged]) {
        await expect(signIn(rp.url, { email: u!.email, password: 'demo-pass-1' })).rejects.toMatchObject({
          status: 401,
        });
      }
      await expect(signIn(rp.url, { email: last.email, password: 'wrong' })).rejects.toMatchObject({
        status: 401,
      });
      // The API key never shows in what the provider printed.
      expect(idp.output()).not.toContain(emu.credentials.apiKey);
    } finally {
      await idp.stop();
    }
  });

  it('refuses to start when JumpCloud refuses the key, with a clear message and without the key', async () => {
    const err: unknown = await startIdp({
      jumpcloud: { url: emu.apiUrl, apiKey: 'jca_not-the-key', password: 'p' },
      redirectUri: rp.redirectUri,
    }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/exited before it listened.*systemusers answered 401/s);
    expect(String(err)).not.toContain('jca_not-the-key');
  });
});

describe('the local OpenID provider refuses bad start options', () => {
  it.each([
    ['no users', [], /at least one user/],
    ['a user without a password', [{ sub: 'a', email: 'a@example.com', name: 'A' }], /users\[0\]\.password/],
    [
      'two users with one email',
      [
        { sub: 'a', email: 'a@example.com', name: 'A', password: 'p' },
        { sub: 'b', email: 'A@example.com', name: 'B', password: 'p' },
      ],
      /appears twice/,
    ],
    ['an email that is none', [{ sub: 'a', email: 'nope', name: 'A', password: 'p' }], /not an email/],
  ])('%s', async (_what, users, message) => {
    const err: unknown = await startIdp({
      users: users as IdpUser[],
      redirectUri: 'http://127.0.0.1:1/cb',
    }).catch((e: unknown) => e);
    expect(String(err)).toMatch(message);
  });
});

describe('the local OpenID provider with a given port and issuer', () => {
  it('publishes that issuer, puts it in its tokens and signs people in under it', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const rp = await startTinyRp();
    const idp = await startIdp({ users: [ADA], redirectUri: rp.redirectUri, port, issuer });
    try {
      expect(idp.issuer).toBe(issuer);
      const d = await rp.configure(idp);
      expect(d.issuer).toBe(issuer);
      expect(d.authorization_endpoint).toBe(`${issuer}/auth`);
      const result = await signIn(rp.url, { email: ADA.email, password: ADA.password });
      expect(result.finalLocation).toBe('/');
      expect(rp.callbacks[rp.callbacks.length - 1].claims?.iss).toBe(issuer);
    } finally {
      await idp.stop();
      await rp.close();
    }
  });
});

describe('the local OpenID provider started with --exit-with-parent', () => {
  it('stops by itself when the process that started it dies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jumpgate-idp-orphan-'));
    const usersFile = join(dir, 'users.json');
    await writeFile(usersFile, JSON.stringify([ADA]));
    // A parent that starts the provider and is then killed without a chance to stop it.
    const parentScript = `
      const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/idp/main.ts', '--client-id', 'c',
        '--client-secret', 's', '--redirect-uri', 'http://127.0.0.1:1/cb', '--users', ${JSON.stringify(usersFile)},
        '--exit-with-parent'], { stdio: ['ignore', 'inherit', 'inherit'] });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      parent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 30_000;
      while (!out.includes('{"issuer"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const { url } = JSON.parse(out.slice(out.indexOf('{"issuer"')).split('\n')[0]) as { url: string };
      expect((await fetch(`${url}/.well-known/openid-configuration`)).status).toBe(200);
      parent.kill('SIGKILL');
      let alive = true;
      const until = Date.now() + 10_000;
      while (alive && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        alive = await fetch(`${url}/.well-known/openid-configuration`).then(
          () => true,
          () => false,
        );
      }
      expect(alive).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

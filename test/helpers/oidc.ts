/**
 * Sign-in for tests: a real OpenID provider (src/idp, `oidc-provider`) in its own process, and a
 * cookie-jar "browser" that signs in through it as a person would.
 *
 * startIdp(options) → Promise<TestIdp>
 *   users                  people who can sign in: [{sub, email, email_verified? (default true), name, password}]
 *   jumpcloud?             instead of users: {url (a JumpCloud API base, …/api), apiKey, password}: every
 *                          activated system user, sub = its JumpCloud id, all with that password
 *   redirectUri            the relying party's callback, `${PUBLIC_URL}/auth/callback` (string or list). Pick the
 *                          server's port first (freePort()) so PUBLIC_URL is known before either process starts.
 *   clientId?              default 'jumpgate'
 *   clientSecret?          default a random one (returned as `clientSecret`)
 *   (the token endpoint takes the secret as client_secret_basic or client_secret_post, either one)
 *   port?, issuer?         default a free port and `http://127.0.0.1:<port>`
 *   testControls?          default true: `control.nextIdToken(fault)` makes the NEXT token response faulty
 *   TestIdp = { issuer, url, clientId, clientSecret, output(), control, stop() }; `issuer` is what
 *   OIDC_ISSUER_URL takes (discovery at `${issuer}/.well-known/openid-configuration`).
 *   control.nextIdToken(fault), fault one of (each consumed by one token response, in order):
 *     {kind: 'wrong_audience', audience?}   aud is another client's
 *     {kind: 'expired'}                     exp ten minutes ago
 *     {kind: 'foreign_key'}                 signed by a key the JWKS does not hold (same kid). Note: openid-client 6
 *                                           checks the signature of a token-endpoint id_token only after
 *                                           `enableNonRepudiationChecks(config)` (OIDC Core lets TLS stand in);
 *                                           without it this token is accepted (checked with openid-client 6.9.1)
 *     {kind: 'email_unverified'}            email_verified: false
 *     {kind: 'sub', sub}                    another subject for the same person
 *     {kind: 'nonce', nonce}                a nonce the relying party never sent
 *     {kind: 'provider_error', error?, error_description?}  the token request answers 400 with an OAuth error
 *   control.pending(), control.clear()
 *
 * signIn(serverBaseUrl, {email, password}, {returnTo?, jar?, stopBeforeCallback?}) → Promise<SignInResult>
 *   Does what a browser does: GET {server}/auth/login?returnTo=…, follows the redirect to the provider,
 *   reads its login form, posts email and password, follows the redirects back to {server}/auth/callback
 *   and stops at the server's answer there. Returns {jar, finalLocation, status, cookies, callbackUrl}:
 *   `finalLocation` is the callback's Location (e.g. the returnTo path or `/signin-error?code=…`),
 *   `cookies` its Set-Cookie values, `jar` the browser (cookies kept per origin) for later requests:
 *   `jar.request(url, init)` sends that origin's cookies and stores what comes back; `jar.cookie(url, name)`.
 *   With `stopBeforeCallback` the callback URL is returned unvisited (`finalLocation` null), e.g. to
 *   replay it from another browser. A provider that refuses the password throws SignInRefused.
 */
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieJar } from 'tough-cookie';
import type { IdpUser } from '../../src/idp/options';
import type { IdTokenFault } from '../../src/idp/test-controls';
import { spawnTs } from './processes';

export type { IdpUser, IdTokenFault };

export interface StartIdpOptions {
  users?: IdpUser[];
  jumpcloud?: { url: string; apiKey: string; password: string };
  redirectUri: string | string[];
  clientId?: string;
  clientSecret?: string;
  testControls?: boolean;
  port?: number;
  issuer?: string;
}

export interface TestIdp {
  issuer: string;
  url: string;
  clientId: string;
  clientSecret: string;
  /** Everything the provider process printed so far. */
  output(): string;
  control: {
    nextIdToken(fault: IdTokenFault): Promise<void>;
    pending(): Promise<IdTokenFault[]>;
    clear(): Promise<void>;
  };
  stop(): Promise<void>;
}

/** Starts src/idp/main.ts as a child process and waits for the JSON line it prints when it listens. */
export async function startIdp(options: StartIdpOptions): Promise<TestIdp> {
  const clientId = options.clientId ?? 'jumpgate';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  if (!options.users === !options.jumpcloud) throw new Error('give users or jumpcloud');
  const dir = await mkdtemp(join(tmpdir(), 'jumpgate-idp-'));
  const usersFile = join(dir, 'users.json');
  if (options.users) await writeFile(usersFile, JSON.stringify(options.users), { mode: 0o600 });
  const source = options.jumpcloud
    ? ['--jumpcloud-url', options.jumpcloud.url, '--password', options.jumpcloud.password]
    : ['--users', usersFile];
  const redirects = ([] as string[]).concat(options.redirectUri);
  const args = [
    ...['--port', String(options.port ?? 0), '--client-id', clientId, ...source],
    ...(options.issuer ? ['--issuer', options.issuer] : []),
    ...redirects.flatMap((uri) => ['--redirect-uri', uri]),
    ...(options.testControls === false ? [] : ['--test-controls']),
    '--exit-with-parent',
  ];
  // The secret goes through the environment, not the process list.
  const child = spawnTs(
    'src/idp/main.ts',
    { IDP_CLIENT_SECRET: clientSecret, IDP_JUMPCLOUD_KEY: options.jumpcloud?.apiKey },
    args,
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let info: { issuer: string; url: string; controlUrl?: string };
  try {
    info = await firstJsonLine(child, () => out, 60_000);
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const control = async (method: string, body?: unknown): Promise<unknown> => {
    if (!info.controlUrl) throw new Error('the provider was started without test controls');
    const res = await fetch(`${info.controlUrl}/next-id-token`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`idp control ${method} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    issuer: info.issuer,
    url: info.url,
    clientId,
    clientSecret,
    output: () => out,
    control: {
      nextIdToken: async (fault) => void (await control('POST', fault)),
      pending: async () => ((await control('GET')) as { pending: IdTokenFault[] }).pending,
      clear: async () => void (await control('DELETE')),
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function firstJsonLine<T>(child: ChildProcess, output: () => string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the provider did not start: ${output()}`)), timeoutMs);
    const onData = () => {
      const line = output()
        .split('\n')
        .find((l) => l.startsWith('{"issuer"'));
      if (line) finish(undefined, JSON.parse(line) as T);
    };
    const onExit = () => finish(new Error(`the provider exited before it listened: ${output()}`));
    function finish(err?: Error, value?: T) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** A browser's cookie store: one jar per origin, so the server's and the provider's cookies never mix. */
export class Browser {
  private readonly jars = new Map<string, CookieJar>();

  jarFor(url: string | URL): CookieJar {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new CookieJar();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  async cookie(url: string | URL, name: string): Promise<string | undefined> {
    const cookies = await this.jarFor(url).getCookies(String(url));
    return cookies.find((c) => c.key === name)?.value;
  }

  /** One request, no redirect followed; sends the origin's cookies and keeps the ones it sets. */
  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const href = String(url);
    const jar = this.jarFor(href);
    const headers = new Headers(init.headers);
    const cookie = await jar.getCookieString(href);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(href, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) await jar.setCookie(c, href, { ignoreError: true });
    return res;
  }
}

export class SignInRefused extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
  ) {
    super(`the sign-in stopped at ${url} with ${status}: ${body.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
}

export interface SignInResult {
  jar: Browser;
  /** The server's Location after /auth/callback; null with stopBeforeCallback or when it did not redirect. */
  finalLocation: string | null;
  /** The status of the server's answer at /auth/callback (0 with stopBeforeCallback). */
  status: number;
  /** The Set-Cookie values of that answer. */
  cookies: string[];
  /** The /auth/callback URL the provider sent the browser to. */
  callbackUrl: string;
}

const MAX_HOPS = 20;

/** The first form of a page: its action, method and fields (hidden ones keep their values). */
function parseForm(
  html: string,
  pageUrl: string,
): { action: string; method: string; fields: URLSearchParams } {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form on ${pageUrl}`);
  const attr = (tag: string, name: string): string | undefined =>
    new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag)?.[1]?.replace(/&amp;/g, '&');
  const fields = new URLSearchParams();
  for (const input of form[2].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name) fields.set(name, attr(input, 'value') ?? '');
  }
  return {
    action: new URL(attr(form[1], 'action') ?? pageUrl, pageUrl).href,
    method: (attr(form[1], 'method') ?? 'get').toUpperCase(),
    fields,
  };
}

export async function signIn(
  serverBaseUrl: string,
  credentials: { email: string; password: string },
  options: { returnTo?: string; jar?: Browser; stopBeforeCallback?: boolean } = {},
): Promise<SignInResult> {
  const jar = options.jar ?? new Browser();
  const server = new URL(serverBaseUrl);
  const start = new URL('/auth/login', server);
  if (options.returnTo !== undefined) start.searchParams.set('returnTo', options.returnTo);

  let url = start.href;
  let init: RequestInit = { method: 'GET' };
  let loginPosted = false;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const target = new URL(url);
    const isCallback = target.origin === server.origin && target.pathname === '/auth/callback';
    if (isCallback && options.stopBeforeCallback)
      return { jar, finalLocation: null, status: 0, cookies: [], callbackUrl: url };
    const res = await jar.request(url, init);
    if (isCallback) {
      await res.arrayBuffer();
      return {
        jar,
        finalLocation: res.headers.get('location'),
        status: res.status,
        cookies: res.headers.getSetCookie(),
        callbackUrl: url,
      };
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url).href;
      // 301/302/303 turn into a GET, as browsers do (307/308 never occur in this flow).
      init = { method: 'GET' };
      continue;
    }
    const body = await res.text();
    const isLoginForm =
      res.status === 200 && target.origin !== server.origin && /<input\b[^>]*type="password"/i.test(body);
    if (!isLoginForm || loginPosted) throw new SignInRefused(res.status, url, body);
    const form = parseForm(body, url);
    form.fields.set('email', credentials.email);
    form.fields.set('password', credentials.password);
    loginPosted = true;
    url = form.action;
    init = {
      method: form.method,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.fields.toString(),
    };
  }
  throw new Error(`the sign-in did not reach ${server.origin}/auth/callback within ${MAX_HOPS} redirects`);
}

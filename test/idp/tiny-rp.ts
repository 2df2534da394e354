import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/**
 * A minimal relying party driven by hand (discovery, PKCE S256, state, nonce, code exchange with
 * client_secret_basic, id_token checked with jose against the provider's JWKS), with the routes API.md
 * gives jumpgate (`/auth/login`, `/auth/callback`, `/signin-error?code=`), so the signIn helper and the
 * provider's test controls can be proven before the real server side exists.
 */
export interface CallbackRecord {
  code: string | null;
  /** The raw id_token the token endpoint answered, when it answered one. */
  idToken?: string;
  claims?: JWTPayload;
  /** The token endpoint's answer when it was not 200. */
  tokenError?: { status: number; body: Record<string, unknown> };
  /** The nonce this browser's login sent. */
  nonce?: string;
  verifyError?: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export interface TinyRp {
  url: string;
  redirectUri: string;
  callbacks: CallbackRecord[];
  configure(idp: { issuer: string; clientId: string; clientSecret: string }): Promise<Discovery>;
  /** The PKCE verifier the login with this state used (to try a code exchange by hand). */
  verifierFor(state: string): string | undefined;
  close(): Promise<void>;
}

const RETURN_TO = /^\/(?![/\\])/;

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

function redirect(res: ServerResponse, location: string, setCookies: string[] = []): void {
  res.statusCode = 302;
  res.setHeader('location', location);
  if (setCookies.length > 0) res.setHeader('set-cookie', setCookies);
  res.end();
}

export async function startTinyRp(): Promise<TinyRp> {
  const transactions = new Map<string, { nonce: string; verifier: string; returnTo: string }>();
  const callbacks: CallbackRecord[] = [];
  let idp: { issuer: string; clientId: string; clientSecret: string } | undefined;
  let discovery: Discovery | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/auth/callback`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', url);
    if (!idp || !discovery || !jwks) throw new Error('tiny RP not configured');
    if (u.pathname === '/auth/login') {
      const wanted = u.searchParams.get('returnTo') ?? '/';
      const state = randomBytes(16).toString('base64url');
      const nonce = randomBytes(16).toString('base64url');
      const verifier = randomBytes(32).toString('base64url');
      transactions.set(state, { nonce, verifier, returnTo: RETURN_TO.test(wanted) ? wanted : '/' });
      const auth = new URL(discovery.authorization_endpoint);
      auth.search = new URLSearchParams({
        response_type: 'code',
        client_id: idp.clientId,
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state,
        nonce,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      return redirect(res, auth.href, [`rp_tx=${state}; Path=/auth; HttpOnly; SameSite=Lax`]);
    }
    if (u.pathname === '/auth/callback') {
      const record: CallbackRecord = { code: null };
      callbacks.push(record);
      const state = u.searchParams.get('state') ?? '';
      const tx = transactions.get(state);
      const fail = (code: string) => redirect(res, `/signin-error?code=${code}`);
      if (!tx || cookies(req).get('rp_tx') !== state) return fail((record.code = 'state_mismatch'));
      transactions.delete(state);
      record.nonce = tx.nonce;
      if (u.searchParams.get('error') || u.searchParams.get('iss') !== idp.issuer)
        return fail((record.code = 'provider_error'));
      const tokenRes = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: u.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          code_verifier: tx.verifier,
        }).toString(),
      });
      const body = (await tokenRes.json()) as Record<string, unknown>;
      if (tokenRes.status !== 200) {
        record.tokenError = { status: tokenRes.status, body };
        return fail((record.code = 'provider_error'));
      }
      record.idToken = String(body.id_token);
      try {
        const { payload } = await jwtVerify(record.idToken, jwks, {
          issuer: idp.issuer,
          audience: idp.clientId,
          algorithms: ['RS256'],
        });
        if (payload.nonce !== tx.nonce) throw new Error('nonce mismatch');
        record.claims = payload;
      } catch (e) {
        record.verifyError = e instanceof Error ? e.message : String(e);
        return fail((record.code = 'invalid_token'));
      }
      if (record.claims.email_verified === false) return fail((record.code = 'email_unverified'));
      record.code = 'ok';
      return redirect(res, tx.returnTo, [
        `rp_session=${randomBytes(16).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax`,
        'rp_tx=; Path=/auth; Max-Age=0',
      ]);
    }
    res.statusCode = 404;
    res.end();
  }

  return {
    url,
    redirectUri,
    callbacks,
    async configure(options) {
      idp = options;
      const res = await fetch(`${options.issuer}/.well-known/openid-configuration`);
      discovery = (await res.json()) as Discovery;
      jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
      return discovery;
    },
    verifierFor: (state) => transactions.get(state)?.verifier,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

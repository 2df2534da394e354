import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { UserDirectory } from './directory';
import { sendHtml, sendJson } from './http';
import { autoGrant, handleInteraction, SCOPES } from './interactions';
import { errorPage } from './login-page';
import type { IdpOptions } from './options';
import { TestControls } from './test-controls';

export interface RunningIdp {
  issuer: string;
  /** Where the provider listens (the issuer's origin unless an issuer was given). */
  url: string;
  /** The test control base (`<url>/__idp`), only with `testControls`. */
  controlUrl?: string;
  users: number;
  close(): Promise<void>;
}

const TOKEN_PATH = '/token';

/** An RS256 signing key made at start: never stored, so no key is ever committed or reused. */
function signingKey(): JsonWebKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function configuration(options: IdpOptions, users: UserDirectory, jwk: JsonWebKey): Configuration {
  const { client } = options;
  return {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        // oidc-provider accepts client_secret_post from a client registered for basic (and the reverse).
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    responseTypes: ['code'],
    // The two ways JumpCloud lets a confidential OIDC app send its secret; the one client may use either.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    scopes: SCOPES.split(' '),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The id_token carries email and name too (the relying party reads them there, not from userinfo).
    conformIdTokenClaims: false,
    // PKCE always, S256 only (the library supports no other method).
    pkce: { required: () => true },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const u = users.find(sub);
      if (!u) return undefined;
      return {
        accountId: u.sub,
        claims: () => ({
          sub: u.sub,
          email: u.email,
          email_verified: u.email_verified ?? true,
          name: u.name,
        }),
      };
    },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const clientId = ctx.oidc.client?.clientId;
      const session = ctx.oidc.session;
      if (!clientId || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (clientId !== client.clientId) return undefined;
      return ctx.oidc.provider.Grant.find(await autoGrant(ctx.oidc.provider, clientId, session.accountId));
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(
        'Sign-in failed',
        Object.fromEntries(Object.entries(out).map(([k, v]) => [k, String(v)])),
      );
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 900,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
  };
}

/** Starts the provider on `options.port` (0: a free one) and resolves once it listens. */
export async function startIdp(options: IdpOptions): Promise<RunningIdp> {
  if (options.users.length === 0) throw new Error('the provider needs at least one user');
  const users = new UserDirectory(options.users);
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  const issuer = options.issuer ?? url;

  const jwk = signingKey();
  const provider = new Provider(issuer, configuration(options, users, jwk));
  const controls = options.testControls
    ? new TestControls(createPrivateKey({ key: jwk, format: 'jwk' }))
    : undefined;
  if (controls) provider.use(controls.middleware(TOKEN_PATH));
  const callback = provider.callback();
  const page = {
    clientName: options.client.clientId,
    formOrigins: [...new Set(options.client.redirectUris.map((u) => new URL(u).origin))],
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        if (controls && (req.url ?? '').startsWith('/__idp/')) return await controls.handle(req, res);
        if (await handleInteraction(provider, users, page, req, res)) return;
        await callback(req, res);
      } catch (e) {
        process.stderr.write(
          `idp: ${req.method} ${(req.url ?? '').split('?')[0]}: ${e instanceof Error ? e.message : String(e)}\n`,
        );
        if (res.headersSent) res.destroy();
        else if ((req.headers.accept ?? '').includes('text/html'))
          sendHtml(res, 500, errorPage('Server error', {}));
        else sendJson(res, 500, { error: 'server_error' });
      }
    })();
  });

  return {
    issuer,
    url,
    controlUrl: controls ? `${url}/__idp` : undefined,
    users: users.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

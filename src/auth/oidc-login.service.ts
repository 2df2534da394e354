import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppError } from '../platform/http/app-error';
import { LOGIN_COOKIE, serializeCookie } from './cookies';
import { seal, unseal } from './csrf';
import { OidcClient } from './oidc-client';
import { SessionsService } from './sessions.service';
import { SignInService } from './sign-in.service';
import { safeReturnTo, type SignInErrorCode } from './sign-in.policy';

/** A sign-in must come back from the provider within this time. */
const LOGIN_TTL_SECONDS = 600;
const LOGIN_PURPOSE = 'oidc-login';

/** What the login cookie holds: state, nonce, PKCE verifier, where to go after, and its end. */
interface LoginState {
  s: string;
  n: string;
  v: string;
  r: string;
  e: number;
}

function isLoginState(v: unknown): v is LoginState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.s === 'string' &&
    typeof o.n === 'string' &&
    typeof o.v === 'string' &&
    typeof o.r === 'string' &&
    typeof o.e === 'number'
  );
}

/** A browser redirect with the cookies to set on the way. */
export interface Redirect {
  location: string;
  cookies: string[];
}

/**
 * Which refusal an openid-client failure is: the provider failing or answering with an error is
 * `provider_error`; anything wrong with the id_token (issuer, audience, expiry, nonce, signature) is
 * `invalid_token`.
 */
export function codeOfGrantError(err: unknown): SignInErrorCode {
  if (
    err instanceof oidc.ResponseBodyError ||
    err instanceof oidc.AuthorizationResponseError ||
    err instanceof oidc.WWWAuthenticateChallengeError ||
    err instanceof TypeError ||
    (err instanceof Error && err.name === 'TimeoutError')
  ) {
    return 'provider_error';
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM')
    return 'provider_error';
  return 'invalid_token';
}

/**
 * The authorization code flow with PKCE (API.md "Sign-in and sessions"): `/auth/login` sends the
 * browser to the provider with state, nonce and an S256 challenge, keeping them sealed in a short-lived
 * HttpOnly cookie; `/auth/callback` checks them, redeems the code, validates the id_token, and hands
 * the claims to the identity rules. Every failure becomes `/signin-error?code=...`.
 */
@Injectable()
export class OidcLoginService {
  private readonly logger = new Logger(OidcLoginService.name);

  constructor(
    private readonly client: OidcClient,
    private readonly sessions: SessionsService,
    private readonly signIn: SignInService,
  ) {}

  private requireConfigured(): void {
    if (!this.client.settings) {
      throw new AppError(
        'sign_in_not_configured',
        'Sign-in is not configured: set OIDC_ISSUER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET',
      );
    }
  }

  private loginCookie(value: string, maxAge: number): string {
    // Path /auth: the cookie goes back only to the callback, never with API requests.
    return serializeCookie(LOGIN_COOKIE, value, {
      httpOnly: true,
      secure: this.sessions.secureCookies,
      maxAge,
      path: '/auth',
    });
  }

  private failure(code: SignInErrorCode): Redirect {
    return { location: `/signin-error?code=${code}`, cookies: [this.loginCookie('', 0)] };
  }

  async start(returnTo: unknown): Promise<Redirect> {
    this.requireConfigured();
    let config: oidc.Configuration;
    try {
      config = await this.client.configuration();
    } catch {
      return this.failure('provider_error');
    }
    const state: LoginState = {
      s: oidc.randomState(),
      n: oidc.randomNonce(),
      v: oidc.randomPKCECodeVerifier(),
      r: safeReturnTo(returnTo),
      e: Date.now() + LOGIN_TTL_SECONDS * 1000,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.client.redirectUri,
      scope: this.client.settings?.scopes ?? 'openid',
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(state.v),
      code_challenge_method: 'S256',
      state: state.s,
      nonce: state.n,
    });
    const sealed = seal(this.sessions.keys.loginState, LOGIN_PURPOSE, state);
    return { location: url.href, cookies: [this.loginCookie(sealed, LOGIN_TTL_SECONDS)] };
  }

  async callback(query: string, cookie: string | null, userAgent: string | null): Promise<Redirect> {
    this.requireConfigured();
    const params = new URLSearchParams(query);
    const saved = cookie ? unseal(this.sessions.keys.loginState, LOGIN_PURPOSE, cookie) : null;
    // No cookie, a forged or stale one, or a state from another sign-in: this browser did not start it.
    if (!isLoginState(saved) || saved.e < Date.now() || params.get('state') !== saved.s) {
      return this.failure('state_mismatch');
    }
    if (params.has('error')) return this.failure('provider_error');
    let claims: oidc.IDToken | undefined;
    try {
      const config = await this.client.configuration();
      const tokens = await oidc.authorizationCodeGrant(
        config,
        new URL(`${this.client.redirectUri}?${params.toString()}`),
        {
          pkceCodeVerifier: saved.v,
          expectedState: saved.s,
          expectedNonce: saved.n,
          idTokenExpected: true,
        },
      );
      claims = tokens.claims();
    } catch (err) {
      const code = codeOfGrantError(err);
      this.logger.warn({ code, reason: err instanceof Error ? err.message : 'unknown' }, 'sign-in failed');
      return this.failure(code);
    }
    if (!claims) return this.failure('invalid_token');
    const result = await this.signIn.complete(claims, userAgent);
    if (!result.ok) return this.failure(result.code);
    return { location: saved.r, cookies: [this.loginCookie('', 0), ...result.cookies] };
  }
}

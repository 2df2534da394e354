import { createHash } from 'node:crypto';
import { type CachedToken, type ConnectionState } from './jumpcloud.connection-state';
import { JumpCloudError } from './jumpcloud.errors';
import { TransportError, backoffMs, retryAfterMs, send, sleep, type HttpResponse } from './jumpcloud.http';
import { type JumpCloudClientEvent, type JumpCloudCredentials, type RetryPolicy } from './jumpcloud.options';

/**
 * OAuth tokens of a service account (client credentials), cached per connection and token URL in
 * the connection's shared state. An API key needs none: `bearer()` answers undefined.
 */
export class JumpCloudTokens {
  // Cache key: the token URL, the client id and a hash of the secret (a new secret gets a new token).
  private readonly key: string | undefined;

  constructor(
    private readonly credentials: JumpCloudCredentials,
    private readonly tokenUrl: string,
    private readonly state: ConnectionState,
    private readonly retry: RetryPolicy,
    private readonly emit: (event: JumpCloudClientEvent) => void,
  ) {
    const c = credentials;
    this.key =
      c.type === 'service_account'
        ? `${tokenUrl}\n${c.clientId}\n${createHash('sha256').update(c.clientSecret).digest('hex')}`
        : undefined;
  }

  /** Whether a 401 may be a stale token (a service account), worth one new token. */
  get refreshable(): boolean {
    return this.key !== undefined;
  }

  drop(token: string | undefined): void {
    if (this.key === undefined) return;
    const cached = this.state.tokens.get(this.key);
    // Another caller may already have replaced the token that failed; keep the newer one.
    if (cached !== undefined && cached.accessToken === token) this.state.tokens.delete(this.key);
  }

  async bearer(): Promise<string | undefined> {
    const key = this.key;
    if (key === undefined) return undefined;
    const cached = this.state.tokens.get(key);
    if (cached !== undefined && cached.refreshAt > Date.now()) return cached.accessToken;
    // One token request per connection at a time; concurrent callers share its result.
    let pending = this.state.tokenFetches.get(key);
    if (pending === undefined) {
      pending = this.fetchToken().finally(() => this.state.tokenFetches.delete(key));
      this.state.tokenFetches.set(key, pending);
    }
    const t = await pending;
    this.state.tokens.set(key, t);
    return t.accessToken;
  }

  /**
   * Client credentials grant as JumpCloud's own clients do it: `client_secret_basic`, scope `api`
   * (API-NOTES §2b). 401/400 → bad credentials; 403 → the account may not use the API.
   */
  private async fetchToken(): Promise<CachedToken> {
    const c = this.credentials;
    if (c.type !== 'service_account') throw new Error('no token for an API key');
    const what = 'POST token';
    const basic = Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64');
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      let reason: 'network' | 'timeout' | undefined;
      try {
        res = await send({
          method: 'POST',
          url: this.tokenUrl,
          headers: {
            accept: 'application/json',
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${basic}`,
            'user-agent': 'jumpgate',
          },
          body: 'grant_type=client_credentials&scope=api',
          timeoutMs: this.retry.timeoutMs,
        });
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        reason = e.kind;
      }
      if (res !== undefined && res.status === 200) {
        const b = res.body as { access_token?: unknown; expires_in?: unknown } | undefined;
        if (typeof b?.access_token !== 'string' || b.access_token === '') {
          throw new JumpCloudError('unknown', 'the token endpoint returned no access_token', {
            request: what,
          });
        }
        // jc-cli assumes an hour when expires_in is missing; refresh 30 s early (both JumpCloud clients do).
        const ttlMs = (typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 3600) * 1000;
        const margin = Math.min(30_000, ttlMs / 2);
        this.emit({ type: 'token', request: what, status: 200 });
        return { accessToken: b.access_token, refreshAt: Date.now() + ttlMs - margin };
      }
      const s = res?.status;
      if (s === 400 || s === 401) {
        throw new JumpCloudError(
          'bad_credentials',
          `the token endpoint rejected the client id or secret (${s})`,
          {
            status: s,
            request: what,
            area: 'token',
          },
        );
      }
      if (s === 403) {
        throw new JumpCloudError(
          'missing_permission',
          'the service account may not obtain API tokens (403)',
          {
            status: s,
            request: what,
            area: 'token',
          },
        );
      }
      const transient = s === undefined || s === 429 || s >= 500;
      if (!transient) {
        throw new JumpCloudError('unknown', `unexpected ${s} from the token endpoint`, {
          status: s,
          request: what,
        });
      }
      if (attempt >= this.retry.maxAttempts) {
        throw new JumpCloudError(
          s === 429 ? 'rate_limited' : 'unavailable',
          `the token endpoint failed ${this.retry.maxAttempts} times (${s ?? reason ?? 'network'})`,
          { status: s, request: what, attempts: this.retry.maxAttempts },
        );
      }
      const announced = res !== undefined && s === 429 ? retryAfterMs(res) : undefined;
      const delayMs =
        announced !== undefined
          ? Math.min(announced, this.retry.maxRetryAfterMs)
          : backoffMs(attempt, this.retry.baseMs, this.retry.maxMs);
      this.emit({
        type: 'retry',
        request: what,
        status: s,
        reason: s === 429 ? 'rate_limited' : s === undefined ? (reason ?? 'network') : 'server_error',
        attempt,
        delayMs,
      });
      await sleep(delayMs);
    }
  }
}

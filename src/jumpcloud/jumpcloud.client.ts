import { createHash } from 'node:crypto';
import {
  ConnectionState,
  defaultConnectionRegistry,
  type CachedToken,
  type JumpCloudConnectionRegistry,
} from './jumpcloud.connection-state';
import {
  JumpCloudError,
  errorDetailFromBody,
  mentionsOrganization,
  type JumpCloudPermissionArea,
} from './jumpcloud.errors';
import {
  TransportError,
  backoffMs,
  header,
  retryAfterMs,
  send,
  sleep,
  type HttpResponse,
} from './jumpcloud.http';
import {
  DEFAULTS,
  JUMPCLOUD_MAX_PAGE_SIZE,
  REGION_URLS,
  type JumpCloudClientEvent,
  type JumpCloudClientOptions,
} from './jumpcloud.options';
import {
  parseAdministrator,
  parseApplication,
  parseGraphObject,
  parseGraphTarget,
  parseOrganization,
  parseSystemUser,
  SYSTEM_USER_FIELDS,
  parseUserGroup,
  parseV1List,
  parseV2List,
} from './jumpcloud.parse';
import type {
  JumpCloudAccessReport,
  JumpCloudAdministrator,
  JumpCloudApplication,
  JumpCloudApplicationGroup,
  JumpCloudGroupMember,
  JumpCloudOrganization,
  JumpCloudPage,
  JumpCloudSystemUser,
  JumpCloudUserGroup,
  MembershipWriteOutcome,
} from './jumpcloud.types';

interface CallSpec {
  method: 'GET' | 'POST';
  /** Path below the API base, e.g. `/systemusers` or `/v2/usergroups`; ids already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Tenant-scoped calls carry `x-org-id`; organisation endpoints must not (API-NOTES §2c). */
  orgScoped: boolean;
  area: JumpCloudPermissionArea;
  /** Statuses handed back to the caller instead of being turned into an error. */
  accept?: readonly number[];
  /** Set when an attempt ended in a way JumpCloud may have acted on (timeout, lost connection, 5xx). */
  track?: { mayHaveLanded: boolean };
}

interface ListSpec<T> {
  version: 1 | 2;
  path: string;
  query?: Record<string, string>;
  orgScoped: boolean;
  area: JumpCloudPermissionArea;
  what: string;
  parse: (raw: unknown) => T;
  readAhead?: number;
}

export interface ListOptions {
  /** Overrides the client's `readAhead` for this listing. */
  readAhead?: number;
}

interface RawPage {
  results: unknown[];
  total: number | null;
}

const HEX24 = /^[0-9a-f]{24}$/i;
// Transport error codes of requests that certainly never reached JumpCloud.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The only code in jumpgate that speaks HTTP to JumpCloud (ARCHITECTURE.md). Every failure leaves
 * it as a `JumpCloudError` with a closed `code`. Listings are async iterators of pages so that a
 * caller never holds a whole organisation in memory.
 */
export class JumpCloudClient {
  readonly orgId: string;
  readonly apiUrl: string;
  readonly tokenUrl: string;
  private readonly state: ConnectionState;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly pageSize: number;
  private readonly readAhead: number;
  private readonly tokenKey: string | undefined;

  constructor(
    private readonly options: JumpCloudClientOptions,
    registry: JumpCloudConnectionRegistry = defaultConnectionRegistry,
  ) {
    if (!options.orgId || options.orgId.trim() === '') throw new RangeError('JumpCloud orgId is required');
    this.orgId = options.orgId.trim();
    const region = REGION_URLS[options.region ?? 'us'];
    if (region === undefined) throw new RangeError('JumpCloud region must be us or eu');
    this.apiUrl = (options.apiUrl ?? region.apiUrl).replace(/\/+$/, '');
    this.tokenUrl = options.tokenUrl ?? region.tokenUrl;
    this.state =
      options.connectionKey !== undefined
        ? registry.get(options.connectionKey, options.limits)
        : new ConnectionState(options.limits);
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
    this.baseMs = options.backoff?.baseMs ?? DEFAULTS.backoff.baseMs;
    this.maxMs = options.backoff?.maxMs ?? DEFAULTS.backoff.maxMs;
    this.maxRetryAfterMs = options.backoff?.maxRetryAfterMs ?? DEFAULTS.backoff.maxRetryAfterMs;
    this.pageSize = Math.min(
      JUMPCLOUD_MAX_PAGE_SIZE,
      Math.max(1, options.pageSize ?? JUMPCLOUD_MAX_PAGE_SIZE),
    );
    this.readAhead = Math.max(1, options.readAhead ?? DEFAULTS.readAhead);
    const c = options.credentials;
    this.tokenKey =
      c.type === 'service_account'
        ? `${this.tokenUrl}\n${c.clientId}\n${createHash('sha256').update(c.clientSecret).digest('hex')}`
        : undefined;
  }

  // ------------------------------------------------------------------ listings

  /** System users in every state (v1 `/systemusers`, sorted by `_id`), only the fields jumpgate reads. */
  listSystemUsers(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudSystemUser>> {
    return this.pages({
      version: 1,
      path: '/systemusers',
      query: { fields: SYSTEM_USER_FIELDS },
      orgScoped: true,
      area: 'users',
      what: 'system users',
      parse: parseSystemUser,
      ...opts,
    });
  }

  /**
   * The organisation's administrators (undocumented v1 `/users`, API-NOTES E4). `x-org-id` is sent:
   * JumpCloud's SDK strips it here but its PowerShell module and baton send it (§2c).
   */
  listAdministrators(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudAdministrator>> {
    return this.pages({
      version: 1,
      path: '/users',
      orgScoped: true,
      area: 'administrators',
      what: 'administrators',
      parse: parseAdministrator,
      ...opts,
    });
  }

  listUserGroups(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudUserGroup>> {
    return this.pages({
      version: 2,
      path: '/v2/usergroups',
      orgScoped: true,
      area: 'groups',
      what: 'user groups',
      parse: parseUserGroup,
      ...opts,
    });
  }

  /** Direct members of a user group (`/usergroups/{id}/members` takes only limit and skip). */
  listGroupMembers(
    groupId: string,
    opts: ListOptions = {},
  ): AsyncGenerator<JumpCloudPage<JumpCloudGroupMember>> {
    return this.pages({
      version: 2,
      path: `/v2/usergroups/${this.id(groupId)}/members`,
      orgScoped: true,
      area: 'groups',
      what: 'group members',
      parse: (raw) => parseGraphTarget(raw, 'group member'),
      ...opts,
    });
  }

  listApplications(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudApplication>> {
    return this.pages({
      version: 1,
      path: '/applications',
      orgScoped: true,
      area: 'applications',
      what: 'applications',
      parse: parseApplication,
      ...opts,
    });
  }

  /** User groups bound directly to an application (`associations?targets=user_group`). */
  listApplicationGroups(
    applicationId: string,
    opts: ListOptions = {},
  ): AsyncGenerator<JumpCloudPage<JumpCloudApplicationGroup>> {
    const appId = this.id(applicationId);
    return this.pages({
      version: 2,
      path: `/v2/applications/${appId}/associations`,
      query: { targets: 'user_group' },
      orgScoped: true,
      area: 'applications',
      what: 'application bindings',
      parse: (raw) => ({ applicationId, groupId: parseGraphTarget(raw, 'application binding').id }),
      ...opts,
    });
  }

  /** Organisations the credential can see. Organisation endpoints never carry `x-org-id`. */
  listOrganizations(opts: ListOptions = {}): AsyncGenerator<JumpCloudPage<JumpCloudOrganization>> {
    return this.pages({
      version: 1,
      path: '/organizations',
      orgScoped: false,
      area: 'organizations',
      what: 'organizations',
      parse: parseOrganization,
      ...opts,
    });
  }

  // ------------------------------------------------------------------ single reads

  async getSystemUser(userId: string): Promise<JumpCloudSystemUser> {
    const res = await this.call({
      method: 'GET',
      path: `/systemusers/${this.id(userId)}`,
      orgScoped: true,
      area: 'users',
    });
    return parseSystemUser(res.body);
  }

  async getUserGroup(groupId: string): Promise<JumpCloudUserGroup> {
    const res = await this.call({
      method: 'GET',
      path: `/v2/usergroups/${this.id(groupId)}`,
      orgScoped: true,
      area: 'groups',
    });
    return parseUserGroup(res.body);
  }

  /**
   * The configured organisation. Found in the organisation list (what jc-cli uses to validate a
   * key); if that list is forbidden, read by id. A credential that cannot see it is `wrong_org`.
   */
  async getOrganization(): Promise<JumpCloudOrganization> {
    try {
      for await (const page of this.listOrganizations()) {
        const found = page.items.find((o) => o.id === this.orgId);
        if (found) return found;
      }
      throw this.wrongOrg();
    } catch (e) {
      if (!(e instanceof JumpCloudError) || e.code !== 'missing_permission') throw e;
    }
    const res = await this.call({
      method: 'GET',
      path: `/organizations/${encodeURIComponent(this.orgId)}`,
      orgScoped: false,
      area: 'organizations',
      accept: [404],
    });
    if (res.status === 404) throw this.wrongOrg();
    return parseOrganization(res.body);
  }

  /**
   * What a connection test needs: the credentials work (else `bad_credentials`), reach the
   * configured organisation (else `wrong_org`) and may read users, groups and administrators
   * (else `missing_permission` with `area`). Writes cannot be checked without changing something.
   */
  async checkAccess(): Promise<JumpCloudAccessReport> {
    const organization = await this.getOrganization();
    const probe = async (path: string, area: JumpCloudPermissionArea) => {
      await this.call({ method: 'GET', path, query: { limit: '1' }, orgScoped: true, area });
    };
    await probe('/systemusers', 'users');
    await probe('/v2/usergroups', 'groups');
    await probe('/users', 'administrators');
    return {
      organization,
      verified: { users: true, groups: true, administrators: true },
      writeAccess: 'unverified',
    };
  }

  // ------------------------------------------------------------------ membership read

  /**
   * Whether the system user is a member of the user group, asked of JumpCloud itself (not the
   * synced copy): `GET /v2/users/{user_id}/memberof?filter=object_id:eq:<group_id>` (E10). Of the
   * spec's exact questions this one needs the same permission area as the write (`groups`; the
   * group's `/membership` needs `users`), and its filter fields are `object_id` and `type`, so one
   * call answers with zero or one group. The answer is still matched by id and type, and pages are
   * followed, so a server that ignores the filter is answered exactly too (a user has few groups).
   */
  async isGroupMember(groupId: string, userId: string): Promise<boolean> {
    for await (const page of this.pages({
      version: 2,
      path: `/v2/users/${this.id(userId)}/memberof`,
      query: { filter: `object_id:eq:${groupId}` },
      orgScoped: true,
      area: 'groups',
      what: 'groups of a user',
      parse: (raw) => parseGraphObject(raw, 'group of a user'),
      readAhead: 1,
    })) {
      if (page.items.some((g) => g.id === groupId && (g.type === null || g.type === 'user_group')))
        return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ membership writes

  /**
   * Adds a system user to a user group. JumpCloud answers 409 for an existing member (API-NOTES
   * E9). A 409 on the first attempt is someone else's membership (`already_member`); a 409 after an
   * attempt that may have reached JumpCloud (timeout, lost connection, 5xx) is our own add that
   * landed (`added`). A failure after such an attempt says so (`mayHaveLanded`), and so does
   * `track` when given, also on success: an attempt that timed out may still be applied later.
   */
  async addUserToGroup(
    groupId: string,
    userId: string,
    track: { mayHaveLanded: boolean } = { mayHaveLanded: false },
  ): Promise<MembershipWriteOutcome> {
    const res = await this.write(track, {
      method: 'POST',
      path: `/v2/usergroups/${this.id(groupId)}/members`,
      body: { op: 'add', type: 'user', id: userId },
      orgScoped: true,
      area: 'groups',
      accept: [409],
      track,
    });
    if (res.status !== 409) return 'added';
    return track.mayHaveLanded ? 'added' : 'already_member';
  }

  /**
   * Removes a system user from a user group. JumpCloud answers 404 both for "not a member" and for
   * an unknown group (API-NOTES E9), so on 404 the group is read: if it exists the user is not a
   * member (success: `not_member`, or `removed` when an earlier attempt may have done it); if not,
   * `not_found`.
   */
  async removeUserFromGroup(groupId: string, userId: string): Promise<MembershipWriteOutcome> {
    const track = { mayHaveLanded: false };
    const res = await this.write(track, {
      method: 'POST',
      path: `/v2/usergroups/${this.id(groupId)}/members`,
      body: { op: 'remove', type: 'user', id: userId },
      orgScoped: true,
      area: 'groups',
      accept: [404],
      track,
    });
    if (res.status !== 404) return 'removed';
    await this.getUserGroup(groupId);
    return track.mayHaveLanded ? 'removed' : 'not_member';
  }

  // ------------------------------------------------------------------ internals

  /** A membership write: its failure carries whether an earlier attempt may have been applied. */
  private async write(track: { mayHaveLanded: boolean }, spec: CallSpec): Promise<HttpResponse> {
    try {
      return await this.call(spec);
    } catch (e) {
      throw e instanceof JumpCloudError && track.mayHaveLanded && !e.mayHaveLanded
        ? e.withMayHaveLanded()
        : e;
    }
  }

  private id(value: string): string {
    // Ids are 24 hex characters (API-NOTES §3); anything else is still encoded, never interpolated raw.
    return HEX24.test(value) ? value : encodeURIComponent(value);
  }

  private wrongOrg(): JumpCloudError {
    return new JumpCloudError('wrong_org', 'the credentials do not reach the configured organization', {
      area: 'organizations',
    });
  }

  private emit(event: JumpCloudClientEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // An observer must never break a call.
    }
  }

  /**
   * Pages of a listing. v1: `skip += results.length` until `skip >= totalCount` or an empty page,
   * with `sort=_id` so pages neither miss nor repeat records. v2: until a page shorter than the
   * limit, `x-total-count` being only a hint (API-NOTES §3a/§3b). With `readAhead` > 1 the next
   * pages are requested at their expected offsets once the total is known; a short page in the
   * middle drops those and continues from where it really ended.
   */
  private async *pages<T>(spec: ListSpec<T>): AsyncGenerator<JumpCloudPage<T>> {
    const limit = this.pageSize;
    const readAhead = Math.max(1, spec.readAhead ?? this.readAhead);
    const baseQuery: Record<string, string> = { ...spec.query, limit: String(limit) };
    if (spec.version === 1) baseQuery.sort = '_id';
    let total: number | null = null;
    let nextSkip = 0;
    let inflight: { skip: number; page: Promise<RawPage> }[] = [];

    const fetchPage = (skip: number): Promise<RawPage> => {
      const p = this.call({
        method: 'GET',
        path: spec.path,
        query: { ...baseQuery, skip: String(skip) },
        orgScoped: spec.orgScoped,
        area: spec.area,
      }).then((res) => this.rawPage(spec, res));
      // Read-ahead pages may be abandoned; their failure must not become an unhandled rejection.
      p.catch(() => undefined);
      return p;
    };
    const fill = () => {
      const want = total === null ? 1 : readAhead;
      while (inflight.length < want && (inflight.length === 0 || total === null || nextSkip < total)) {
        inflight.push({ skip: nextSkip, page: fetchPage(nextSkip) });
        nextSkip += limit;
      }
    };

    for (;;) {
      fill();
      const head = inflight.shift();
      if (head === undefined) return;
      const raw = await head.page;
      if (raw.total !== null) total = raw.total;
      const items = raw.results.map(spec.parse);
      yield { items, skip: head.skip, total: raw.total };
      const end = head.skip + raw.results.length;
      if (raw.results.length === 0) return;
      if (spec.version === 1 && total !== null ? end >= total : raw.results.length < limit) return;
      if (raw.results.length < limit || inflight.length === 0) {
        inflight = [];
        nextSkip = end;
      }
    }
  }

  private rawPage<T>(spec: ListSpec<T>, res: HttpResponse): RawPage {
    if (spec.version === 1) {
      const { results, totalCount } = parseV1List(res.body, spec.what);
      return { results, total: totalCount };
    }
    const { results, totalCount } = parseV2List(res.body, spec.what);
    const h = header(res, 'x-total-count');
    const fromHeader = h !== undefined && /^\d+$/.test(h.trim()) ? parseInt(h, 10) : null;
    return { results, total: fromHeader ?? totalCount };
  }

  private headersFor(spec: CallSpec, token: string | undefined): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': 'jumpgate' };
    const c = this.options.credentials;
    if (c.type === 'api_key') h['x-api-key'] = c.apiKey;
    else h.authorization = `Bearer ${token ?? ''}`;
    if (spec.orgScoped) h['x-org-id'] = this.orgId;
    if (spec.body !== undefined) h['content-type'] = 'application/json';
    return h;
  }

  private async waitForPause(): Promise<void> {
    for (;;) {
      const wait = this.state.pausedUntil - Date.now();
      if (wait <= 0) return;
      await sleep(wait);
    }
  }

  /**
   * One logical call with retries. Every JumpCloud call the client makes is a read or an idempotent
   * membership write, so 429, 5xx, resets and timeouts are all retried, up to `maxAttempts`.
   * A 401 with a service account fetches a new token once before counting as bad credentials.
   */
  private async call(spec: CallSpec): Promise<HttpResponse> {
    const what = `${spec.method} ${spec.path}`;
    const url = this.urlOf(spec);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    let refreshed = false;
    let lastReason: 'rate_limited' | 'unavailable' = 'unavailable';
    let lastDetail = '';
    for (let attempt = 1; ; attempt++) {
      await this.waitForPause();
      const token = await this.bearer();
      let res: HttpResponse;
      try {
        res = await this.state.limiter.schedule(() => {
          this.emit({ type: 'request', request: what, attempt });
          return send({
            method: spec.method,
            url,
            headers: this.headersFor(spec, token),
            body,
            timeoutMs: this.timeoutMs,
          });
        });
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        lastReason = 'unavailable';
        lastDetail = e.message;
        // A refused connection or an unknown host never reached JumpCloud; a timeout or a reset may have.
        if (spec.track && !NEVER_SENT.has(e.message)) spec.track.mayHaveLanded = true;
        if (attempt >= this.maxAttempts) break;
        const delayMs = backoffMs(attempt, this.baseMs, this.maxMs);
        this.emit({ type: 'retry', request: what, reason: e.kind, attempt, delayMs });
        await sleep(delayMs);
        continue;
      }
      const s = res.status;
      if ((s >= 200 && s < 300) || spec.accept?.includes(s)) return res;
      const detail = errorDetailFromBody(res.body);
      if (s === 401) {
        if (this.tokenKey !== undefined && !refreshed && !mentionsOrganization(detail)) {
          refreshed = true;
          this.dropToken(token);
          this.emit({ type: 'retry', request: what, status: s, reason: 'unauthorized', attempt });
          attempt--; // A token refresh is not a failed attempt.
          continue;
        }
        if (mentionsOrganization(detail)) throw this.orgError(s, what, detail);
        throw new JumpCloudError('bad_credentials', `JumpCloud rejected the credentials (401 on ${what})`, {
          status: s,
          request: what,
        });
      }
      if (s === 403) {
        if (mentionsOrganization(detail)) throw this.orgError(s, what, detail);
        throw new JumpCloudError(
          'missing_permission',
          `the credentials lack the ${spec.area} permission (403 on ${what}${detail ? `: ${detail}` : ''})`,
          { status: s, request: what, area: spec.area },
        );
      }
      if (s === 404) {
        throw new JumpCloudError('not_found', `not found (404 on ${what})`, { status: s, request: what });
      }
      if (s === 429 || s >= 500) {
        // A 5xx may come after the change was made; a 429 is refused before any work.
        if (spec.track && s >= 500) spec.track.mayHaveLanded = true;
        lastReason = s === 429 ? 'rate_limited' : 'unavailable';
        lastDetail = `${s}${detail ? `: ${detail}` : ''}`;
        if (attempt >= this.maxAttempts) break;
        const announced = s === 429 || s === 503 ? retryAfterMs(res) : undefined;
        const delayMs =
          announced !== undefined
            ? Math.min(announced, this.maxRetryAfterMs)
            : backoffMs(attempt, this.baseMs, this.maxMs);
        if (s === 429) {
          // Rate limits are per organisation: hold back every caller of this connection.
          this.state.pausedUntil = Math.max(this.state.pausedUntil, Date.now() + delayMs);
        }
        this.emit({
          type: 'retry',
          request: what,
          status: s,
          reason: s === 429 ? 'rate_limited' : 'server_error',
          attempt,
          delayMs,
        });
        await sleep(delayMs);
        continue;
      }
      throw new JumpCloudError('unknown', `unexpected ${s} on ${what}${detail ? `: ${detail}` : ''}`, {
        status: s,
        request: what,
      });
    }
    const message =
      lastReason === 'rate_limited'
        ? `JumpCloud kept rate limiting ${what} (${this.maxAttempts} attempts)`
        : `JumpCloud unavailable for ${what} after ${this.maxAttempts} attempts (${lastDetail})`;
    throw new JumpCloudError(lastReason, message, { request: what, attempts: this.maxAttempts });
  }

  private orgError(status: number, what: string, detail: string | undefined): JumpCloudError {
    return new JumpCloudError(
      'wrong_org',
      `the credentials cannot use organization ${this.orgId} (${status} on ${what}${detail ? `: ${detail}` : ''})`,
      { status, request: what, area: 'organizations' },
    );
  }

  private urlOf(spec: CallSpec): string {
    const q = spec.query ? new URLSearchParams(spec.query).toString() : '';
    return `${this.apiUrl}${spec.path}${q ? `?${q}` : ''}`;
  }

  // ------------------------------------------------------------------ OAuth (service accounts)

  private dropToken(token: string | undefined): void {
    if (this.tokenKey === undefined) return;
    const cached = this.state.tokens.get(this.tokenKey);
    // Another caller may already have replaced the token that failed; keep the newer one.
    if (cached !== undefined && cached.accessToken === token) this.state.tokens.delete(this.tokenKey);
  }

  private async bearer(): Promise<string | undefined> {
    const key = this.tokenKey;
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
    const c = this.options.credentials;
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
          timeoutMs: this.timeoutMs,
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
      if (attempt >= this.maxAttempts) {
        throw new JumpCloudError(
          s === 429 ? 'rate_limited' : 'unavailable',
          `the token endpoint failed ${this.maxAttempts} times (${s ?? reason ?? 'network'})`,
          { status: s, request: what, attempts: this.maxAttempts },
        );
      }
      const announced = res !== undefined && s === 429 ? retryAfterMs(res) : undefined;
      const delayMs =
        announced !== undefined
          ? Math.min(announced, this.maxRetryAfterMs)
          : backoffMs(attempt, this.baseMs, this.maxMs);
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

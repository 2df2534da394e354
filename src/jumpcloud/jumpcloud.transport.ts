import {
  ConnectionState,
  defaultConnectionRegistry,
  type JumpCloudConnectionRegistry,
} from './jumpcloud.connection-state';
import {
  JumpCloudError,
  errorDetailFromBody,
  mentionsOrganization,
  type JumpCloudPermissionArea,
} from './jumpcloud.errors';
import { TransportError, backoffMs, header, retryAfterMs, send, type HttpResponse } from './jumpcloud.http';
import { type LimiterOutcome, type LimiterSnapshot } from './jumpcloud.limiter';
import {
  DEFAULTS,
  JUMPCLOUD_MAX_PAGE_SIZE,
  REGION_URLS,
  retryPolicyOf,
  type JumpCloudClientEvent,
  type JumpCloudClientOptions,
  type RetryPolicy,
} from './jumpcloud.options';
import { parseV1List, parseV2List } from './jumpcloud.parse';
import { JumpCloudTokens } from './jumpcloud.tokens';
import type { JumpCloudPage } from './jumpcloud.types';

export interface CallSpec {
  method: 'GET' | 'POST';
  /** Path below the API base, e.g. `/systemusers` or `/v2/usergroups`; ids already encoded. */
  path: string;
  /** The path is below the Directory Insights base (API.md `JUMPCLOUD_INSIGHTS_URL`), not the API base. */
  insights?: boolean;
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

export interface ListSpec<T> {
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
/**
 * A 429 is JumpCloud saying "too much": the connection's concurrency halves. A 5xx is a fault, not a
 * signal about our pace, so it neither shrinks nor grows the limit.
 */
const outcomeOf = (res: HttpResponse): LimiterOutcome =>
  res.status === 429 ? 'congested' : res.status >= 500 ? 'neutral' : 'ok';
// Transport error codes of requests that certainly never reached JumpCloud.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * HTTP to JumpCloud for one connection: authentication, the connection's shared limiter and
 * rate-limit pause, retries with backoff, pagination, and every failure turned into a
 * `JumpCloudError` with a closed `code`. The client's parts (reads, membership writes, the
 * connection test) say what to call; this says how.
 */
export class JumpCloudTransport {
  readonly orgId: string;
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly insightsUrl: string;
  private readonly state: ConnectionState;
  private readonly retry: RetryPolicy;
  private readonly tokens: JumpCloudTokens;
  private readonly pageSize: number;
  private readonly readAhead: number;

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
    this.insightsUrl = (options.insightsUrl ?? region.insightsUrl).replace(/\/+$/, '');
    this.state =
      options.connectionKey !== undefined
        ? registry.get(options.connectionKey, options.limits)
        : new ConnectionState(options.limits);
    this.retry = retryPolicyOf(options);
    this.pageSize = Math.min(
      JUMPCLOUD_MAX_PAGE_SIZE,
      Math.max(1, options.pageSize ?? JUMPCLOUD_MAX_PAGE_SIZE),
    );
    this.readAhead = Math.max(1, options.readAhead ?? DEFAULTS.readAhead);
    this.tokens = new JumpCloudTokens(options.credentials, this.tokenUrl, this.state, this.retry, (e) =>
      this.emit(e),
    );
  }

  /** An id for a URL path. */
  id(value: string): string {
    // Ids are 24 hex characters (API-NOTES §3); anything else is still encoded, never interpolated raw.
    return HEX24.test(value) ? value : encodeURIComponent(value);
  }

  emit(event: JumpCloudClientEvent): void {
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
   * pages are requested at their expected offsets once the total is known, keeping `readAhead`
   * requests unanswered as answers come in (not only when the consumer takes a page), with at most
   * twice that many pages held: answers arrive out of order, and a slow page at the head must not
   * leave the connection idle. A short page in the middle drops the guesses and continues from where
   * it really ended.
   */
  async *pages<T>(spec: ListSpec<T>): AsyncGenerator<JumpCloudPage<T>> {
    const limit = this.pageSize;
    const readAhead = Math.max(1, spec.readAhead ?? this.readAhead);
    const baseQuery: Record<string, string> = { ...spec.query, limit: String(limit) };
    if (spec.version === 1) baseQuery.sort = '_id';
    let total: number | null = null;
    let nextSkip = 0;
    let inflight: { skip: number; page: Promise<RawPage>; answered: boolean }[] = [];
    let closed = false;

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
    const unanswered = () => inflight.reduce((n, e) => n + (e.answered ? 0 : 1), 0);
    const fill = (): void => {
      if (closed) return;
      // Until the total is known there is no guessing: one page at a time.
      const held = total === null ? 1 : readAhead > 1 ? 2 * readAhead : 1;
      const want = total === null ? 1 : readAhead;
      while (
        inflight.length < held &&
        unanswered() < want &&
        (inflight.length === 0 || (total !== null && nextSkip < total))
      ) {
        const entry = { skip: nextSkip, page: fetchPage(nextSkip), answered: false };
        entry.page.then(
          () => {
            entry.answered = true;
            fill();
          },
          () => (entry.answered = true),
        );
        inflight.push(entry);
        nextSkip += limit;
      }
    };

    try {
      for (;;) {
        fill();
        // The head stays counted among the held pages until its answer is taken.
        const head = inflight[0];
        if (head === undefined) return;
        const raw = await head.page;
        inflight.shift();
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
    } finally {
      // An abandoned or finished listing asks for nothing more when its guesses come back.
      closed = true;
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

  /** The connection's adaptive concurrency now (shared by every client of the connection). */
  get concurrency(): LimiterSnapshot {
    return this.state.limiter.snapshot;
  }

  /**
   * One logical call with retries. Every JumpCloud call the client makes is a read or an idempotent
   * membership write, so 429, 5xx, resets and timeouts are all retried, up to `maxAttempts`.
   * A 401 with a service account fetches a new token once before counting as bad credentials.
   * A retry's wait (Retry-After, else backoff) is served by the limiter, holding no slot; a 429 also
   * halves the connection's concurrency (once per congestion window, see ConnectionLimiter).
   */
  async call(spec: CallSpec): Promise<HttpResponse> {
    const what = `${spec.method} ${spec.path}`;
    const url = this.urlOf(spec);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    let refreshed = false;
    let lastReason: 'rate_limited' | 'unavailable' = 'unavailable';
    let lastDetail = '';
    let delayMs = 0;
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.bearer();
      let res: HttpResponse;
      try {
        res = await this.state.limiter.schedule(
          () => {
            this.emit({ type: 'request', request: what, attempt });
            return send({
              method: spec.method,
              url,
              headers: this.headersFor(spec, token),
              body,
              timeoutMs: this.retry.timeoutMs,
            });
          },
          { classify: outcomeOf, delayMs },
        );
        delayMs = 0;
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        lastReason = 'unavailable';
        lastDetail = e.message;
        // A refused connection or an unknown host never reached JumpCloud; a timeout or a reset may have.
        if (spec.track && !NEVER_SENT.has(e.message)) spec.track.mayHaveLanded = true;
        if (attempt >= this.retry.maxAttempts) break;
        delayMs = backoffMs(attempt, this.retry.baseMs, this.retry.maxMs);
        this.emit({ type: 'retry', request: what, reason: e.kind, attempt, delayMs });
        continue;
      }
      const s = res.status;
      if ((s >= 200 && s < 300) || spec.accept?.includes(s)) return res;
      const detail = errorDetailFromBody(res.body);
      if (s === 401) {
        if (this.tokens.refreshable && !refreshed && !mentionsOrganization(detail)) {
          refreshed = true;
          this.tokens.drop(token);
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
        if (attempt >= this.retry.maxAttempts) break;
        const announced = s === 429 || s === 503 ? retryAfterMs(res) : undefined;
        delayMs =
          announced !== undefined
            ? Math.min(announced, this.retry.maxRetryAfterMs)
            : backoffMs(attempt, this.retry.baseMs, this.retry.maxMs);
        this.emit({
          type: 'retry',
          request: what,
          status: s,
          reason: s === 429 ? 'rate_limited' : 'server_error',
          attempt,
          delayMs,
          ...(s === 429 ? { limit: this.state.limiter.snapshot.limit } : {}),
        });
        continue;
      }
      throw new JumpCloudError('unknown', `unexpected ${s} on ${what}${detail ? `: ${detail}` : ''}`, {
        status: s,
        request: what,
      });
    }
    const message =
      lastReason === 'rate_limited'
        ? `JumpCloud kept rate limiting ${what} (${this.retry.maxAttempts} attempts)`
        : `JumpCloud unavailable for ${what} after ${this.retry.maxAttempts} attempts (${lastDetail})`;
    throw new JumpCloudError(lastReason, message, { request: what, attempts: this.retry.maxAttempts });
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
    const base = spec.insights ? this.insightsUrl : this.apiUrl;
    return `${base}${spec.path}${q ? `?${q}` : ''}`;
  }
}

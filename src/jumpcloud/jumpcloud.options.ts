export type JumpCloudRegion = 'us' | 'eu';

export type JumpCloudCredentials =
  { type: 'service_account'; clientId: string; clientSecret: string } | { type: 'api_key'; apiKey: string };

export interface JumpCloudLimits {
  /**
   * The most requests in flight at once for the connection (across every client instance of it):
   * the ceiling of the adaptive limit, which halves on a 429 and grows back one step per window.
   */
  maxConcurrent?: number;
  /** A fixed cap of requests started per second for the connection; null or absent = none. */
  requestsPerSecond?: number | null;
}

export interface JumpCloudBackoff {
  /** First retry waits about this long; doubles per attempt. */
  baseMs?: number;
  /** Ceiling of one exponential wait. */
  maxMs?: number;
  /** Ceiling of a wait announced by JumpCloud (Retry-After / rate-limit reset headers). */
  maxRetryAfterMs?: number;
}

/**
 * Something the caller may log or count; never carries a credential, token or query string.
 * `request` is emitted once per HTTP request sent to the API (retries included; token fetches are `token`).
 */
export interface JumpCloudClientEvent {
  type: 'request' | 'retry' | 'token';
  request: string;
  status?: number;
  reason?: 'rate_limited' | 'server_error' | 'network' | 'timeout' | 'unauthorized';
  attempt?: number;
  delayMs?: number;
  /** On a 429: the connection's concurrency limit after it (halved once per congestion window). */
  limit?: number;
}

export interface JumpCloudClientOptions {
  orgId: string;
  region?: JumpCloudRegion;
  credentials: JumpCloudCredentials;
  /** v1 base, e.g. `https://console.jumpcloud.com/api`; v2 is `${apiUrl}/v2`. */
  apiUrl?: string;
  tokenUrl?: string;
  /** Directory Insights base, e.g. `https://api.jumpcloud.com/insights/directory/v1` (its own host in us). */
  insightsUrl?: string;
  /**
   * Identifies the connection inside this process: every client built with the same key shares
   * one limiter, one rate-limit pause and one token cache. Without it the client gets its own.
   */
  connectionKey?: string;
  limits?: JumpCloudLimits;
  /** Per attempt, from sending the request to the end of the body. */
  timeoutMs?: number;
  /** Attempts per call, including the first. */
  maxAttempts?: number;
  backoff?: JumpCloudBackoff;
  /** Items per page; JumpCloud caps it at 100. */
  pageSize?: number;
  /**
   * Pages of one listing requested ahead of the one being consumed, once the listing's total is
   * known (v1 `totalCount`, v2 `x-total-count`). 1 = strictly sequential.
   */
  readAhead?: number;
  onEvent?: (event: JumpCloudClientEvent) => void;
}

export const REGION_URLS: Record<JumpCloudRegion, { apiUrl: string; tokenUrl: string; insightsUrl: string }> =
  {
    us: {
      apiUrl: 'https://console.jumpcloud.com/api',
      tokenUrl: 'https://admin-oauth.id.jumpcloud.com/oauth2/token',
      insightsUrl: 'https://api.jumpcloud.com/insights/directory/v1',
    },
    eu: {
      apiUrl: 'https://console.eu.jumpcloud.com/api',
      tokenUrl: 'https://admin-oauth.id.eu.jumpcloud.com/oauth2/token',
      insightsUrl: 'https://console.eu.jumpcloud.com/insights/directory/v1',
    },
  };

export const JUMPCLOUD_MAX_PAGE_SIZE = 100;

export const DEFAULTS = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  backoff: { baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 120_000 },
  limits: { maxConcurrent: 8, requestsPerSecond: null },
  readAhead: 1,
} as const;

/** Timeouts and retries of one client, resolved once from its options (calls and token fetches share them). */
export interface RetryPolicy {
  timeoutMs: number;
  /** Attempts per call, including the first (at least 1). */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
}

export function retryPolicyOf(options: JumpCloudClientOptions): RetryPolicy {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts),
    baseMs: options.backoff?.baseMs ?? DEFAULTS.backoff.baseMs,
    maxMs: options.backoff?.maxMs ?? DEFAULTS.backoff.maxMs,
    maxRetryAfterMs: options.backoff?.maxRetryAfterMs ?? DEFAULTS.backoff.maxRetryAfterMs,
  };
}

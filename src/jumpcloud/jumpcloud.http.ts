import { request } from 'undici';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw text when it is not JSON, or undefined for an empty body. */
  body: unknown;
}

/** A failure below HTTP: refused/reset connection, DNS, TLS, or our own timeout. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'network' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

/**
 * One HTTP exchange. The timeout covers headers and body, so a server that answers headers and then
 * stalls is cut off too. Error messages carry the error code only, never the URL's query or headers.
 */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: ac.signal,
    });
    const text = await res.body.text();
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    return { status: res.statusCode, headers: res.headers, body };
  } catch (e) {
    if (timedOut) throw new TransportError('timeout', `no answer within ${req.timeoutMs} ms`);
    const code = (e as { code?: unknown }).code;
    throw new TransportError('network', typeof code === 'string' ? code : 'network error');
  } finally {
    clearTimeout(timer);
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long JumpCloud asks us to wait, in ms: `Retry-After` (seconds or an HTTP date), else a
 * rate-limit reset header (`RateLimit-Reset` / `X-RateLimit-Reset`: seconds from now, or an epoch
 * second when the number is too large to be a delay). JumpCloud documents none of them (API-NOTES
 * §4), so any is honoured when present.
 */
export function retryAfterMs(res: HttpResponse, now = Date.now()): number | undefined {
  const ra = header(res, 'retry-after');
  if (ra !== undefined && ra.trim() !== '') {
    const s = ra.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Math.round(parseFloat(s) * 1000);
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return Math.max(0, t - now);
  }
  for (const name of ['ratelimit-reset', 'x-ratelimit-reset']) {
    const v = header(res, name);
    if (v === undefined || !/^\d+(\.\d+)?$/.test(v.trim())) continue;
    const n = parseFloat(v);
    // Values above ~a year of seconds are epoch timestamps, not delays.
    if (n > 31_536_000) return Math.max(0, Math.round(n * 1000 - now));
    return Math.round(n * 1000);
  }
  return undefined;
}

/** Exponential backoff with jitter: attempt 1 waits about base, then doubling, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": half fixed, half random, so waits never collapse to zero under a storm.
  return Math.round(exp / 2 + random() * (exp / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The closed set of failures the JumpCloud client reports. Callers (connection tests, sync and
 * provisioning jobs) decide what to do from `code` alone; `status` and `detail` are for humans.
 * No message ever contains a credential: messages are built from status codes, paths and the
 * `message`/`error` fields of JumpCloud's own error bodies, never from request headers.
 */
export const JUMPCLOUD_ERROR_CODES = [
  'bad_credentials',
  'wrong_org',
  'missing_permission',
  'not_found',
  'rate_limited',
  'unavailable',
  'unknown',
] as const;

export type JumpCloudErrorCode = (typeof JUMPCLOUD_ERROR_CODES)[number];

/** Which permission area a `missing_permission` concerns, when the client knows it. */
export type JumpCloudPermissionArea =
  'users' | 'groups' | 'administrators' | 'applications' | 'organizations' | 'token' | 'insights';

export interface JumpCloudErrorInit {
  status?: number;
  /** HTTP method and path (no query string, no host) of the failing call. */
  request?: string;
  area?: JumpCloudPermissionArea;
  attempts?: number;
  /**
   * A write whose outcome is unknown: one of its attempts timed out, lost its connection or got a
   * 5xx, any of which JumpCloud may have applied before answering.
   */
  mayHaveLanded?: boolean;
  cause?: unknown;
}

export class JumpCloudError extends Error {
  override readonly name = 'JumpCloudError';
  readonly status: number | undefined;
  readonly request: string | undefined;
  readonly area: JumpCloudPermissionArea | undefined;
  readonly attempts: number | undefined;
  readonly mayHaveLanded: boolean;

  constructor(
    readonly code: JumpCloudErrorCode,
    message: string,
    init: JumpCloudErrorInit = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.request = init.request;
    this.area = init.area;
    this.attempts = init.attempts;
    this.mayHaveLanded = init.mayHaveLanded ?? false;
  }

  /** The same failure, saying that an earlier attempt of the write may have been applied. */
  withMayHaveLanded(): JumpCloudError {
    return new JumpCloudError(this.code, this.message, {
      status: this.status,
      request: this.request,
      area: this.area,
      attempts: this.attempts,
      mayHaveLanded: true,
      cause: this.cause,
    });
  }

  /** Errors a caller may retry later (a job's backoff), as opposed to configuration problems. */
  get transient(): boolean {
    return this.code === 'rate_limited' || this.code === 'unavailable';
  }
}

export function isJumpCloudError(e: unknown, code?: JumpCloudErrorCode): e is JumpCloudError {
  return e instanceof JumpCloudError && (code === undefined || e.code === code);
}

/** Longest JumpCloud error text we echo; bodies are untrusted and may be large HTML pages. */
const MAX_DETAIL = 200;

/**
 * The human part of a JumpCloud error body: `message`, else `error`, else `error_description`
 * (OAuth), else nothing. The wording is never relied upon except for the organisation hint below.
 */
export function errorDetailFromBody(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const rec = body as Record<string, unknown>;
  for (const key of ['message', 'error_description', 'error']) {
    const v = rec[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim().slice(0, MAX_DETAIL);
  }
  return undefined;
}

/**
 * JumpCloud answers a credential that cannot use the `x-org-id` it sent with a 401 or 403 whose
 * text mentions the organisation ("no organization selected", "organization selection not
 * allowed"); the exact status is unknown (API-NOTES §2c, §9), so both are read the same way.
 */
export function mentionsOrganization(detail: string | undefined): boolean {
  return detail !== undefined && /organi[sz]ation/i.test(detail);
}

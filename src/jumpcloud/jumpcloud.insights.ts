import { JumpCloudError } from './jumpcloud.errors';
import { header } from './jumpcloud.http';
import type { JumpCloudTransport } from './jumpcloud.transport';

/** Directory Insights services (spec/jumpcloud-directory-insights.json). */
export type InsightsService =
  | 'all'
  | 'directory'
  | 'sso'
  | 'systems'
  | 'ldap'
  | 'radius'
  | 'access_management'
  | 'alert'
  | 'mdm'
  | 'notifications'
  | 'password_manager'
  | 'object_storage'
  | 'reports'
  | 'software'
  | 'asset_management';

export interface InsightsQuery {
  service: InsightsService[];
  startTime: Date;
  endTime?: Date;
  /** `{and|or|not: {field: value}}`; JumpCloud stores values lowercase (API-NOTES §10). */
  searchTerm?: { and?: Record<string, unknown>; or?: Record<string, unknown>; not?: Record<string, unknown> };
  fields?: string[];
  /** Rows per page, 1..10,000 (JumpCloud's default 1000). */
  limit?: number;
  sort?: 'ASC' | 'DESC';
}

/** An event as JumpCloud returns it: `id`, `timestamp` and `event_type` always, the rest varies by type. */
export type InsightsEvent = Record<string, unknown> & { id: string; timestamp: string; event_type: string };

export const INSIGHTS_MAX_LIMIT = 10_000;

function parseEvents(raw: unknown, what: string): InsightsEvent[] {
  if (!Array.isArray(raw)) throw new JumpCloudError('unknown', `${what} did not answer a JSON array`);
  return raw.filter(
    (e): e is InsightsEvent =>
      e !== null &&
      typeof e === 'object' &&
      typeof (e as Record<string, unknown>).id === 'string' &&
      typeof (e as Record<string, unknown>).timestamp === 'string',
  );
}

/**
 * The Directory Insights events API (`POST /insights/directory/v1/events` on the API host), over the
 * client's transport: same credentials, limits, retries and closed error codes. A role without
 * Directory Insights gets 403 → `missing_permission` with area `insights`.
 */
export class JumpCloudInsights {
  constructor(private readonly t: JumpCloudTransport) {}

  /**
   * Every matching event, a page at a time: the same query again with `search_after` from the
   * `X-Search_after` header, until `X-Result-Count` < `X-Limit` (the spec's paging rule).
   */
  async *events(q: InsightsQuery): AsyncGenerator<InsightsEvent[]> {
    if (
      q.limit !== undefined &&
      !(Number.isInteger(q.limit) && q.limit >= 1 && q.limit <= INSIGHTS_MAX_LIMIT)
    ) {
      throw new RangeError(`limit must be 1..${INSIGHTS_MAX_LIMIT}`);
    }
    const base: Record<string, unknown> = {
      service: q.service,
      start_time: q.startTime.toISOString(),
      ...(q.endTime ? { end_time: q.endTime.toISOString() } : {}),
      ...(q.searchTerm ? { search_term: q.searchTerm } : {}),
      ...(q.fields ? { fields: q.fields } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.sort ? { sort: q.sort } : {}),
    };
    let after: unknown;
    for (;;) {
      const res = await this.t.call({
        method: 'POST',
        path: '/events',
        insights: true,
        body: after === undefined ? base : { ...base, search_after: after },
        orgScoped: true,
        area: 'insights',
      });
      const what = 'POST /insights/directory/v1/events';
      const events = parseEvents(res.body, what);
      yield events;
      const count = Number(header(res, 'x-result-count') ?? events.length);
      const limit = Number(header(res, 'x-limit') ?? q.limit ?? 1000);
      if (!(count >= limit) || events.length === 0) return;
      const next = header(res, 'x-search_after');
      if (next === undefined)
        throw new JumpCloudError('unknown', `${what}: a full page without X-Search_after`);
      try {
        after = JSON.parse(next);
      } catch {
        throw new JumpCloudError('unknown', `${what}: X-Search_after is not JSON`);
      }
    }
  }
}

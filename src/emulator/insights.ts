import { randomUUID } from 'node:crypto';
import { BadRequest } from './listing';
import { createRng } from './random';
import type { Store } from './store';

/**
 * Directory Insights events (spec/jumpcloud-directory-insights.json, API-NOTES §10): what JumpCloud
 * records for each change, queried by `POST /insights/directory/v1/events`.
 */
export type InsightEvent = Record<string, unknown> & {
  id: string;
  timestamp: string;
  event_type: string;
  service: string;
};

export interface Initiator {
  type: 'admin' | 'api_key' | 'service_account' | 'scim';
  id?: string;
  email?: string;
}

export const RETENTION_MS = 90 * 24 * 3600 * 1000;
export const SERVICES = [
  'access_management',
  'alert',
  'all',
  'directory',
  'ldap',
  'mdm',
  'notifications',
  'password_manager',
  'object_storage',
  'radius',
  'reports',
  'software',
  'sso',
  'systems',
  'asset_management',
] as const;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

/** Values are stored lowercase, as JumpCloud does (API-NOTES §10). */
function lower(v: unknown): unknown {
  if (typeof v === 'string') return v.toLowerCase();
  if (Array.isArray(v)) return v.map(lower);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, lower(x)]));
  }
  return v;
}

function fieldOf(e: Record<string, unknown>, path: string): unknown {
  let cur: unknown = e;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function matchesOne(e: InsightEvent, field: string, want: unknown): boolean {
  const have = fieldOf(e, field);
  const wants = Array.isArray(want) ? want : [want];
  return wants.some((w) => (typeof w === 'string' ? have === w.toLowerCase() : have === w));
}

type Term = Record<string, unknown>;

function matchesTerm(e: InsightEvent, term: unknown): boolean {
  if (term === undefined || term === null) return true;
  if (typeof term !== 'object' || Array.isArray(term)) throw new BadRequest('search_term must be an object');
  const t = term as { and?: Term; or?: Term; not?: Term };
  const entries = (x: Term | undefined) => Object.entries(x ?? {});
  if (!entries(t.and).every(([k, v]) => matchesOne(e, k, v))) return false;
  const or = entries(t.or);
  if (or.length > 0 && !or.some(([k, v]) => matchesOne(e, k, v))) return false;
  return !entries(t.not).some(([k, v]) => matchesOne(e, k, v));
}

function parseTime(v: unknown, name: string): number {
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/.test(v)) {
    throw new BadRequest(`${name} must be an RFC 3339 date`);
  }
  const t = Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new BadRequest(`${name} must be an RFC 3339 date`);
  return t;
}

export interface EventPage {
  events: Record<string, unknown>[];
  limit: number;
  sort: 'ASC' | 'DESC';
  searchAfter: [number, string] | null;
}

export class InsightsLog {
  private events: InsightEvent[] = [];
  private seq = 0;

  constructor(
    private readonly orgId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  clear(): void {
    this.events = [];
  }

  get size(): number {
    return this.events.length;
  }

  record(
    e: Record<string, unknown> & { event_type: string; service: string },
    at = this.now(),
  ): InsightEvent {
    // Ids are opaque and sort with time, so (timestamp, id) is a stable paging key.
    const id = `${at.toString(16).padStart(12, '0')}${(++this.seq).toString(16).padStart(12, '0')}`;
    const ev = lower({
      '@version': '1',
      organization: this.orgId(),
      ...e,
      id,
      timestamp: new Date(at).toISOString(),
    }) as InsightEvent;
    this.events.push(ev);
    return ev;
  }

  query(body: unknown): EventPage {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequest('body must be a JSON object');
    }
    const q = body as Record<string, unknown>;
    if (!Array.isArray(q.service) || q.service.length === 0) throw new BadRequest('service is required');
    for (const s of q.service) {
      if (!(SERVICES as readonly unknown[]).includes(s)) {
        throw new BadRequest(`invalid service ${String(s)}; supported: ${SERVICES.join(', ')}`);
      }
    }
    const now = this.now();
    const start = parseTime(q.start_time, 'start_time');
    if (start > now) throw new BadRequest('start_time is in the future');
    const end = q.end_time === undefined ? Infinity : parseTime(q.end_time, 'end_time');
    if (end < start) throw new BadRequest('end_time is before start_time');
    const limit =
      typeof q.limit === 'number' && Number.isInteger(q.limit) && q.limit > 0 && q.limit <= MAX_LIMIT
        ? q.limit
        : DEFAULT_LIMIT;
    const sort: 'ASC' | 'DESC' =
      typeof q.sort === 'string' && q.sort.toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
    let after: [number, string] | null = null;
    if (q.search_after !== undefined) {
      const sa = q.search_after;
      if (
        !Array.isArray(sa) ||
        sa.length !== 2 ||
        !Number.isFinite(Number(sa[0])) ||
        typeof sa[1] !== 'string'
      ) {
        throw new BadRequest('search_after must be the X-Search_after header value');
      }
      after = [Number(sa[0]), sa[1]];
    }
    const services = new Set(q.service as string[]);
    // Older events are gone (90-day retention), whatever start_time asks for.
    const from = Math.max(start, now - RETENTION_MS);
    const key = (e: InsightEvent): [number, string] => [Date.parse(e.timestamp), e.id];
    const cmp = (a: [number, string], b: [number, string]) =>
      a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
    const dir = sort === 'ASC' ? 1 : -1;
    const hits = this.events.filter((e) => {
      const [t] = key(e);
      if (t < from || t > end) return false;
      if (!services.has('all') && !services.has(e.service)) return false;
      if (after !== null && dir * cmp(key(e), after) <= 0) return false;
      return matchesTerm(e, q.search_term);
    });
    hits.sort((a, b) => dir * cmp(key(a), key(b)));
    const page = hits.slice(0, limit);
    const last = page[page.length - 1];
    const fields = Array.isArray(q.fields) && q.fields.length > 0 ? (q.fields as string[]) : null;
    return {
      events: page.map((e) =>
        fields === null ? { ...e } : Object.fromEntries(fields.filter((f) => f in e).map((f) => [f, e[f]])),
      ),
      limit,
      sort,
      searchAfter: last === undefined ? after : key(last),
    };
  }
}

export function requestId(): string {
  return randomUUID();
}

/**
 * One sign-in as JumpCloud files it: an SSO sign-in (`sso_auth`, service `sso`) to `app`, or without
 * one a user-portal login (`user_login_attempt`, service `directory`).
 */
export function recordSignIn(
  log: InsightsLog,
  u: { id: string; username: string; email: string },
  app: { id: string; name: string; displayLabel?: string } | null,
  at: number,
  success: boolean,
  mfa = true,
): void {
  const who = { id: u.id, type: 'user', username: u.username, email: u.email };
  if (app !== null) {
    log.record(
      {
        event_type: 'sso_auth',
        service: 'sso',
        success,
        initiated_by: who,
        resource: { id: app.id, type: 'application', name: app.name },
        application: { id: app.id, name: app.name, display_label: app.displayLabel },
        sso_token_success: success,
      },
      at,
    );
    return;
  }
  log.record(
    {
      event_type: 'user_login_attempt',
      service: 'directory',
      success,
      mfa,
      initiated_by: who,
      resource: who,
    },
    at,
  );
}

/**
 * Sign-in history over the last 90 days for a seeded organisation: a portal login
 * (`user_login_attempt`) and SSO sign-ins (`sso_auth`) to applications the user can reach.
 * Bounded so 100,000-user organisations stay cheap to seed.
 */
export function seedSignIns(log: InsightsLog, store: Store, seed: number, now: number, max = 20_000): void {
  const rng = createRng(seed ^ 0x51a9);
  const users = store.userSlots();
  if (users.length === 0) return;
  const apps = store.apps;
  const appsOf = new Map<number, number[]>();
  apps.forEach((a, i) => {
    for (const u of a.users) appsOf.set(u, [...(appsOf.get(u) ?? []), i]);
    for (const gs of a.groups) {
      const g = store.groups[gs];
      if (g === undefined || g.deleted) continue;
      for (let k = 0; k < g.size; k++) {
        const u = g.members[k];
        const list = appsOf.get(u) ?? [];
        if (!list.includes(i)) list.push(i);
        appsOf.set(u, list);
      }
    }
  });
  const n = Math.min(max, users.length * 3);
  const stamps = Array.from({ length: n }, () => now - Math.floor(rng() * (RETENTION_MS - 60_000)) - 1);
  stamps.sort((a, b) => a - b);
  for (const at of stamps) {
    const slot = users[Math.floor(rng() * users.length)];
    const u = store.users[slot];
    if (u === undefined) continue;
    const reach = appsOf.get(slot) ?? [];
    const success = rng() > 0.05;
    if (reach.length > 0 && rng() < 0.7) {
      const app = apps[reach[Math.floor(rng() * reach.length)]];
      if (app === undefined) continue;
      recordSignIn(log, u, app, at, success);
    } else {
      recordSignIn(log, u, null, at, success, rng() < 0.8);
    }
  }
}

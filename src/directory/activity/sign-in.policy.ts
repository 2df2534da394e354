import { type InsightsEvent } from '../../jumpcloud';

/** A successful sign-in read from a Directory Insights event, by JumpCloud ids (lowercase, as stored). */
export interface SignIn {
  user: string;
  /** JumpCloud application id; '' for a user-portal login (`user_login_attempt`). */
  application: string;
  at: number;
}

/** The event types that are sign-ins of a person, and the service each is filed under. */
export const SIGN_IN_EVENTS = [
  { service: 'sso', eventType: 'sso_auth' },
  { service: 'directory', eventType: 'user_login_attempt' },
] as const;

const USER_TYPES = new Set([undefined, 'user', 'systemuser']);

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function id(v: unknown): string | undefined {
  const r = record(v);
  const raw = r?.id ?? r?.object_id;
  return typeof raw === 'string' && raw !== '' ? raw.toLowerCase() : undefined;
}

/**
 * The sign-in an event records, or null when it records none: a failed attempt, another kind of
 * event, an administrator's login, or one we cannot attribute to a user. `sso_auth` counts unless it
 * says it failed (`success` / `sso_token_success` false: the spec's SSO table lists no success field,
 * so its absence is not a failure); `user_login_attempt` counts only with `success: true` (its table
 * has one).
 */
export function signInOf(e: InsightsEvent): SignIn | null {
  const at = Date.parse(e.timestamp);
  if (Number.isNaN(at)) return null;
  const by = record(e.initiated_by);
  const type = typeof by?.type === 'string' ? by.type.toLowerCase() : undefined;
  if (!USER_TYPES.has(type)) return null;
  const user = id(by);
  if (user === undefined) return null;
  switch (e.event_type) {
    case 'sso_auth': {
      if (e.success === false || e.sso_token_success === false) return null;
      const resource = record(e.resource);
      const app = id(e.application) ?? (resource?.type === 'application' ? id(resource) : undefined);
      return { user, application: app ?? '', at };
    }
    case 'user_login_attempt':
      return e.success === true ? { user, application: '', at } : null;
    default:
      return null;
  }
}

/** `user|application` → latest sign-in time: the last sign-in per account and per account and application. */
export function latestSignIns(into: Map<string, SignIn>, events: readonly InsightsEvent[]): void {
  for (const e of events) {
    const s = signInOf(e);
    if (s === null) continue;
    const key = `${s.user}|${s.application}`;
    const seen = into.get(key);
    if (seen === undefined || seen.at < s.at) into.set(key, s);
  }
}

import { type InsightsEvent } from '../../jumpcloud';

/**
 * What a batch of Directory Insights events says to re-read (API-NOTES §10). Ids are JumpCloud's
 * (external) ids, lowercase as JumpCloud stores them.
 */
export interface DirectoryTouches {
  /** Users to read by id (created, changed, suspended, deleted). */
  users: Set<string>;
  /** Groups to read by id, and whose members to re-list (created, changed, deleted). */
  groups: Set<string>;
  /** Groups whose members to re-list (a membership changed). */
  memberGroups: Set<string>;
  /** Applications whose group bindings to re-list. */
  applications: Set<string>;
  /** Event ids already counted: the overlap window reads some events twice. */
  seen: Set<string>;
  /** Changes a previous run already acted on (it read their objects after them): not re-read. */
  handled: Set<string>;
  /** The changes this run acts on, as `[timestampMs, id]` (the next run's `handled`). */
  changes: [number, string][];
  /** Directory events read (each once). */
  events: number;
  /** Events that change the directory but that could not be interpreted (ids missing). */
  uninterpreted: number;
}

export function emptyTouches(handled: Iterable<string> = []): DirectoryTouches {
  return {
    users: new Set(),
    groups: new Set(),
    memberGroups: new Set(),
    applications: new Set(),
    seen: new Set(),
    handled: new Set(handled),
    changes: [],
    events: 0,
    uninterpreted: 0,
  };
}

// The spec's event types that change a system user jumpgate copies (profile, state, existence).
const USER_EVENTS = new Set([
  'user_create',
  'user_create_provision',
  'user_update',
  'user_update_provision',
  'user_delete',
  'user_delete_provision',
  'user_suspended',
  'user_unsuspended',
  'user_activated',
]);
const GROUP_EVENTS = new Set(['group_create', 'group_update', 'group_delete']);
const APPLICATION_EVENTS = new Set(['application_create', 'application_update', 'application_delete']);
// Changes the spec names that touch many users at once without naming them: only a full listing knows.
const OPAQUE_EVENTS = new Set(['user_import']);

type Ref = { type: string | null; id: string | null };

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v.toLowerCase() : null;
}

function ref(v: unknown): Ref | null {
  const o = obj(v);
  if (o === null) return null;
  // API-NOTES §10: `object_id`, or `id`, depending on the source.
  return { type: str(o.type), id: str(o.object_id) ?? str(o.id) };
}

const GROUP_TYPES = new Set(['user_group', 'usergroup', 'group']);
const USER_TYPES = new Set(['user', 'system_user']);
const APPLICATION_TYPES = new Set(['application']);

/** The two ends of an `association_change`, JumpCloud ids lowercased; null where an end is not of that kind. */
export interface AssociationEnds {
  group: string | null;
  user: string | null;
  application: string | null;
}

/**
 * The ends of an `association_change` read tolerantly (either direction, `object_id` or `id`, the
 * type's spellings; API-NOTES §10). Re-reads (interpretEvent) and attribution
 * (change-attribution.policy.ts) both read an event's ends here, so they agree on what it is about.
 */
export function associationEnds(e: Record<string, unknown>): AssociationEnds {
  const connection = obj(obj(e.association)?.connection);
  const ends = [ref(connection?.from), ref(connection?.to)].filter((r): r is Ref => r !== null);
  const of = (types: Set<string>) =>
    ends.find((r) => r.type !== null && types.has(r.type) && r.id !== null)?.id ?? null;
  return {
    group: of(GROUP_TYPES),
    user: of(USER_TYPES),
    application: of(APPLICATION_TYPES),
  };
}

/** Adds what one event says to re-read; events of other kinds (sign-ins, devices) change nothing here. */
export function interpretEvent(t: DirectoryTouches, e: InsightsEvent): void {
  if (t.seen.has(e.id)) return;
  t.seen.add(e.id);
  t.events++;
  if (t.handled.has(e.id)) return;
  const size = () =>
    t.users.size + t.groups.size + t.memberGroups.size + t.applications.size + t.uninterpreted;
  const before = size();
  interpret(t, e);
  // Also when the object was already named: this run reads it after the change either way.
  if (size() !== before || nameOf(e) !== null) t.changes.push([Date.parse(e.timestamp), e.id]);
}

/** Whether the event names an object this module copies (for `changes`). */
function nameOf(e: InsightsEvent): string | null {
  const type = String(e.event_type).toLowerCase();
  if (USER_EVENTS.has(type) || GROUP_EVENTS.has(type) || APPLICATION_EVENTS.has(type)) {
    return ref(e.resource)?.id ?? null;
  }
  return type === 'association_change' ? e.id : null;
}

function interpret(t: DirectoryTouches, e: InsightsEvent): void {
  const type = String(e.event_type).toLowerCase();
  const resource = ref(e.resource);
  if (USER_EVENTS.has(type) || GROUP_EVENTS.has(type) || APPLICATION_EVENTS.has(type)) {
    const id = resource?.id ?? null;
    if (id === null) t.uninterpreted++;
    else if (USER_EVENTS.has(type)) t.users.add(id);
    else if (GROUP_EVENTS.has(type)) t.groups.add(id);
    else t.applications.add(id);
    return;
  }
  if (OPAQUE_EVENTS.has(type)) {
    t.uninterpreted++;
    return;
  }
  if (type !== 'association_change') return;
  const { group, user, application: app } = associationEnds(e);
  if (group !== null && user !== null) t.memberGroups.add(group);
  else if (group !== null && app !== null) t.applications.add(app);
  else if (group !== null || app !== null || user !== null) {
    // A binding jumpgate does not copy (a group to a device, a user to an application, group nesting).
  } else if (resource?.type === 'user_group' && resource.id !== null) {
    // Not understood: re-list the group it concerns rather than take it as a fact (API-NOTES §10).
    t.memberGroups.add(resource.id);
  } else if (resource?.type === 'application' && resource.id !== null) {
    t.applications.add(resource.id);
  } else {
    t.uninterpreted++;
  }
}

/**
 * JumpCloud calls an incremental run would make for these touches (reads by id and member listings
 * of one page each, plus the organisation, administrators and applications): compared with what the
 * last full sync cost.
 */
export function estimatedCalls(t: DirectoryTouches, eventPages: number): number {
  return eventPages + 3 + t.users.size + 2 * t.groups.size + t.memberGroups.size + t.applications.size;
}

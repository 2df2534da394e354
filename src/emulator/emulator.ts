import { randomBytes } from 'node:crypto';
import { createRng, type Rng } from './random';
import { InsightsLog, recordSignIn, seedSignIns, type Initiator } from './insights';
import { DEFAULT_SIZES, generateOrganization, type SeedSizes } from './seed';
import { type MembershipMethod, type Store, type UserRec, type UserState } from './store';

/** Permission areas a credential can be denied, mirroring the spec's x-scopes. */
export const PERMISSIONS = [
  'users.read',
  'users.write',
  'groups.read',
  'groups.write',
  'administrators.read',
  'applications.read',
  'organizations.read',
  'insights.read',
  'token',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface EmulatorCredentials {
  orgId: string;
  apiKey: string;
  clientId: string;
  clientSecret: string;
}

export type CredentialKind = 'api_key' | 'service_account';

export interface FaultSpec {
  /**
   * rate_limit → 429; server_error → 5xx; latency → delay then answer; hang → no answer (or late);
   * concurrent_write → someone else makes the same membership change (add or remove) just before
   * this membership write is handled, which then answers as JumpCloud would (409 / 404): a race.
   */
  kind: 'rate_limit' | 'server_error' | 'latency' | 'hang' | 'concurrent_write';
  /** Applies to the next `count` matching requests. */
  count?: number;
  /** Applies to this share (0..1) of matching requests, drawn from a seeded generator. */
  fraction?: number;
  /** Regular expression tested against the request path (no query), e.g. `/members$`. */
  path?: string;
  method?: string;
  /** rate_limit: seconds announced in Retry-After; null sends no Retry-After. Default 1. */
  retryAfterSeconds?: number | null;
  /** server_error: status, default 500. */
  status?: number;
  /** latency: added delay; with `latencyMaxMs`, the least of a delay drawn evenly per request. */
  latencyMs?: number;
  /** latency: the most of the drawn delay (a realistic spread, e.g. 50–150 ms). */
  latencyMaxMs?: number;
  /** hang: answer normally after this long; omitted = never answer. */
  hangMs?: number;
}

export interface FaultRule extends FaultSpec {
  id: number;
  remaining: number | null;
  hits: number;
  pathRe: RegExp | null;
}

export interface RequestLogEntry {
  seq: number;
  at: number;
  method: string;
  path: string;
  route: string;
  query: string;
  status: number | null;
  auth: 'api_key' | 'bearer' | 'basic' | 'none';
  /** The `x-org-id` header as sent (an org id is not a secret), or null when absent. */
  orgIdHeader: string | null;
  fault: string | null;
  /** API requests in flight when this one arrived, itself included. */
  inFlight?: number;
  /** JSON body of a membership write, as received (it holds ids only). */
  body?: unknown;
}

export interface FaultDecision {
  latencyMs: number;
  terminal: FaultRule | null;
}

export interface EmulatorSettings {
  tokenTtlSeconds: number;
  /** Credentials behave like a multi-tenant admin's: calls without `x-org-id` get 401. */
  requireOrgHeader: boolean;
  requestLogSize: number;
}

export interface ChurnResult {
  added: { groupId: string; userId: string }[];
  removed: { groupId: string; userId: string }[];
}

function defaultCredentials(seed: number, orgId: string): EmulatorCredentials {
  const r = createRng(seed ^ 0x5eed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const alnum = (n: number) =>
    Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(r() * 36)]).join('');
  return {
    orgId,
    apiKey: `jca_${alnum(36)}`,
    clientId: hex(32),
    clientSecret: alnum(48),
  };
}

/**
 * The emulator's state and control operations, shared by the HTTP control API and by tests that
 * start the emulator in-process.
 */
export class JumpCloudEmulator {
  store: Store;
  seed: number;
  sizes: SeedSizes;
  credentials: EmulatorCredentials;
  private readonly configuredCredentials: Partial<EmulatorCredentials>;
  readonly denied: Record<CredentialKind, Set<Permission>> = {
    api_key: new Set(),
    service_account: new Set(),
  };
  readonly tokens = new Map<string, number>();
  settings: EmulatorSettings;
  private faults: FaultRule[] = [];
  private faultSeq = 0;
  private faultRng: Rng;
  private log: RequestLogEntry[] = [];
  private logSeq = 0;
  requestsByRoute = new Map<string, number>();
  /** API and token requests being served now, and the most at once since the request log was cleared. */
  concurrency = { inFlight: 0, highWater: 0 };
  membership = { calls: 0, added: 0, removed: 0 };
  external = {
    added: 0,
    removed: 0,
    usersSuspended: 0,
    usersActivated: 0,
    usersDeleted: 0,
    usersCreated: 0,
    usersUpdated: 0,
    groupsRenamed: 0,
    bindingsAdded: 0,
    bindingsRemoved: 0,
  };

  constructor(opts: {
    seed?: number;
    sizes?: Partial<SeedSizes>;
    credentials?: Partial<EmulatorCredentials>;
    settings?: Partial<EmulatorSettings>;
  }) {
    this.seed = opts.seed ?? 1;
    this.sizes = { ...DEFAULT_SIZES, ...opts.sizes };
    this.configuredCredentials = { ...opts.credentials };
    this.settings = {
      tokenTtlSeconds: 3600,
      requireOrgHeader: false,
      requestLogSize: 10_000,
      ...opts.settings,
    };
    this.faultRng = createRng(this.seed ^ 0xfa17);
    this.store = generateOrganization(this.seed, this.sizes);
    this.credentials = this.credentialsFor(this.store);
    this.insights = new InsightsLog(() => this.store.org.id);
    seedSignIns(this.insights, this.store, this.seed, Date.now());
  }

  /** Directory Insights events: seeded sign-ins plus every change made since. */
  insights: InsightsLog;

  /** Who "someone else" is for control-API changes: the organisation's first administrator. */
  private consoleAdmin(): Initiator {
    const a = this.store.admins[0];
    return a === undefined ? { type: 'admin' } : { type: 'admin', id: a.id, email: a.email };
  }

  private userRef(slot: number): Record<string, unknown> {
    const u = this.store.users[slot];
    return u === undefined ? {} : { id: u.id, type: 'user', username: u.username, email: u.email };
  }

  /** Records the `association_change` JumpCloud logs for a group membership add/remove. */
  recordMembership(op: 'add' | 'remove', groupSlot: number, userSlot: number, by: Initiator): void {
    const g = this.store.groups[groupSlot];
    const u = this.store.users[userSlot];
    if (g === undefined || u === undefined) return;
    this.insights.record({
      event_type: 'association_change',
      service: 'directory',
      success: true,
      initiated_by: by,
      resource: { id: g.id, type: 'user_group', name: g.name },
      association: {
        op,
        connection: {
          from: { type: 'user_group', object_id: g.id, name: g.name },
          to: { type: 'user', object_id: u.id, name: u.username },
        },
      },
    });
  }

  private recordChange(eventType: string, resource: Record<string, unknown>, changes?: unknown): void {
    this.insights.record({
      event_type: eventType,
      service: 'directory',
      success: true,
      initiated_by: this.consoleAdmin(),
      resource,
      ...(changes === undefined ? {} : { changes }),
    });
  }

  private credentialsFor(store: Store): EmulatorCredentials {
    const base = defaultCredentials(this.seed, store.org.id);
    const c = { ...base, ...this.configuredCredentials };
    // A configured org id renames the organisation itself, so ids stay consistent everywhere.
    store.org.id = c.orgId;
    return c;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Regenerates the organisation (same or new seed/sizes) and clears faults, logs, counters, tokens. */
  reseed(seed = this.seed, sizes: Partial<SeedSizes> = {}): void {
    const nextSizes = { ...this.sizes, ...sizes };
    const store = generateOrganization(seed, nextSizes);
    this.seed = seed;
    this.sizes = nextSizes;
    this.store = store;
    this.credentials = this.credentialsFor(store);
    this.insights = new InsightsLog(() => this.store.org.id);
    seedSignIns(this.insights, store, seed, Date.now());
    this.faultRng = createRng(seed ^ 0xfa17);
    this.clearFaults();
    this.clearRequests();
    this.tokens.clear();
    this.denied.api_key.clear();
    this.denied.service_account.clear();
  }

  setCredentials(c: Partial<EmulatorCredentials>): EmulatorCredentials {
    Object.assign(this.configuredCredentials, c);
    this.credentials = this.credentialsFor(this.store);
    this.tokens.clear();
    return this.credentials;
  }

  setDenied(kind: CredentialKind | 'all', deny: Permission[]): void {
    for (const k of kind === 'all' ? (['api_key', 'service_account'] as const) : [kind]) {
      this.denied[k] = new Set(deny);
    }
  }

  // ------------------------------------------------------------------ OAuth

  issueToken(): { access_token: string; token_type: string; expires_in: number; scope: string } {
    const token = randomBytes(32).toString('base64url');
    const ttl = this.settings.tokenTtlSeconds;
    this.tokens.set(token, Date.now() + ttl * 1000);
    return { access_token: token, token_type: 'bearer', expires_in: ttl, scope: 'api' };
  }

  tokenValid(token: string): boolean {
    const exp = this.tokens.get(token);
    if (exp === undefined) return false;
    if (exp <= Date.now()) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  revokeTokens(): number {
    const n = this.tokens.size;
    this.tokens.clear();
    return n;
  }

  // ------------------------------------------------------------------ faults

  addFault(spec: FaultSpec): FaultRule {
    if (!['rate_limit', 'server_error', 'latency', 'hang', 'concurrent_write'].includes(spec.kind)) {
      throw new RangeError('fault kind must be rate_limit, server_error, latency, hang or concurrent_write');
    }
    if (spec.fraction !== undefined && !(spec.fraction >= 0 && spec.fraction <= 1)) {
      throw new RangeError('fraction must be within 0..1');
    }
    if (spec.latencyMaxMs !== undefined && !(spec.latencyMaxMs >= (spec.latencyMs ?? 0))) {
      throw new RangeError('latencyMaxMs must be at least latencyMs');
    }
    const rule: FaultRule = {
      ...spec,
      id: ++this.faultSeq,
      remaining: spec.count ?? null,
      hits: 0,
      pathRe: spec.path ? new RegExp(spec.path) : null,
    };
    this.faults.push(rule);
    return rule;
  }

  listFaults(): Omit<FaultRule, 'pathRe'>[] {
    return this.faults.map(({ pathRe: _re, ...r }) => r);
  }

  removeFault(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Which faults hit this request: latencies add up; the first 429/5xx/hang rule decides the answer. */
  decideFaults(method: string, path: string): FaultDecision {
    let latencyMs = 0;
    let terminal: FaultRule | null = null;
    for (const f of this.faults) {
      if (f.remaining !== null && f.remaining <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.pathRe && !f.pathRe.test(path)) continue;
      if (f.kind !== 'latency' && terminal !== null) continue;
      if (f.fraction !== undefined && this.faultRng() >= f.fraction) continue;
      if (f.remaining !== null) f.remaining--;
      f.hits++;
      if (f.kind === 'latency') {
        const least = f.latencyMs ?? 0;
        latencyMs +=
          f.latencyMaxMs === undefined ? least : least + this.faultRng() * (f.latencyMaxMs - least);
      } else terminal = f;
    }
    this.faults = this.faults.filter((f) => f.remaining === null || f.remaining > 0);
    return { latencyMs, terminal };
  }

  // ------------------------------------------------------------------ request log and counters

  /** A request arrived (API or token); returns how many are in flight with it. */
  requestStarted(): number {
    const c = this.concurrency;
    c.inFlight++;
    c.highWater = Math.max(c.highWater, c.inFlight);
    return c.inFlight;
  }

  requestEnded(): void {
    this.concurrency.inFlight = Math.max(0, this.concurrency.inFlight - 1);
  }

  logRequest(e: Omit<RequestLogEntry, 'seq' | 'at'>): RequestLogEntry {
    const entry = { ...e, seq: ++this.logSeq, at: Date.now() };
    this.log.push(entry);
    if (this.log.length > this.settings.requestLogSize * 1.25) {
      this.log = this.log.slice(-this.settings.requestLogSize);
    }
    const key = `${e.method} ${e.route}`;
    this.requestsByRoute.set(key, (this.requestsByRoute.get(key) ?? 0) + 1);
    return entry;
  }

  requests(
    filter: { since?: number; route?: string; path?: string; limit?: number } = {},
  ): RequestLogEntry[] {
    const pathRe = filter.path ? new RegExp(filter.path) : null;
    const out = this.log.filter(
      (e) =>
        (filter.since === undefined || e.seq > filter.since) &&
        (filter.route === undefined ||
          `${e.method} ${e.route}` === filter.route ||
          e.route === filter.route) &&
        (pathRe === null || pathRe.test(e.path)),
    );
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  get lastSeq(): number {
    return this.logSeq;
  }

  clearRequests(): void {
    this.log = [];
    this.requestsByRoute = new Map();
    this.membership = { calls: 0, added: 0, removed: 0 };
    this.concurrency.highWater = this.concurrency.inFlight;
    for (const k of Object.keys(this.external) as (keyof typeof this.external)[]) this.external[k] = 0;
  }

  stats(): {
    totalRequests: number;
    requestsByRoute: Record<string, number>;
    concurrency: { inFlight: number; highWater: number };
    membership: { calls: number; added: number; removed: number };
    external: JumpCloudEmulator['external'];
  } {
    let total = 0;
    for (const v of this.requestsByRoute.values()) total += v;
    return {
      totalRequests: total,
      requestsByRoute: Object.fromEntries(this.requestsByRoute),
      concurrency: { ...this.concurrency },
      membership: { ...this.membership },
      external: { ...this.external },
    };
  }

  summary(): Record<string, unknown> {
    const s = this.store;
    let bindings = 0;
    for (const a of s.apps) bindings += a.groups.length;
    return {
      orgId: s.org.id,
      seed: this.seed,
      sizes: this.sizes,
      users: s.userSlots().length,
      admins: s.admins.length,
      groups: s.groupSlots().length,
      memberships: s.membershipCount(),
      apps: s.apps.length,
      appGroupBindings: bindings,
    };
  }

  // ------------------------------------------------------------------ changes "made by someone else"

  private requireUser(id: string): number {
    const slot = this.store.userSlot(id);
    if (slot === undefined) throw new NotFound(`user ${id}`);
    return slot;
  }

  private requireGroup(id: string): number {
    const slot = this.store.groupSlot(id);
    if (slot === undefined) throw new NotFound(`group ${id}`);
    return slot;
  }

  /** `by`: who JumpCloud records as having made it (default: the organisation's first administrator). */
  externalAddMember(groupId: string, userId: string, by: Initiator = this.consoleAdmin()): boolean {
    const gs = this.requireGroup(groupId);
    const us = this.requireUser(userId);
    const changed = this.store.addMember(gs, us);
    if (changed) this.external.added++;
    if (changed) this.recordMembership('add', gs, us, by);
    return changed;
  }

  externalRemoveMember(groupId: string, userId: string, by: Initiator = this.consoleAdmin()): boolean {
    const gs = this.requireGroup(groupId);
    const us = this.requireUser(userId);
    const changed = this.store.removeMember(gs, us);
    if (changed) this.external.removed++;
    if (changed) this.recordMembership('remove', gs, us, by);
    return changed;
  }

  /** A sign-in of the user now (or at `at`), to an application or to the user portal, as JumpCloud files it. */
  signIn(userId: string, opts: { appId?: string; at?: number; success?: boolean } = {}): void {
    const u = this.store.users[this.requireUser(userId)];
    if (u === undefined) throw new NotFound(`user ${userId}`);
    let app = null;
    if (opts.appId !== undefined) {
      const appSlot = this.store.appSlotById.get(opts.appId);
      app = appSlot === undefined ? undefined : this.store.apps[appSlot];
      if (app === undefined) throw new NotFound(`application ${opts.appId}`);
    }
    recordSignIn(this.insights, u, app, opts.at ?? Date.now(), opts.success ?? true);
  }

  setUserState(userId: string, state: UserState): void {
    const slot = this.requireUser(userId);
    const u = this.store.users[slot];
    if (u === undefined) return;
    if (u.state !== state) {
      if (state === 'SUSPENDED') this.external.usersSuspended++;
      if (state === 'ACTIVATED') this.external.usersActivated++;
      const ref = this.userRef(slot);
      if (state === 'SUSPENDED') this.recordChange('user_suspended', ref);
      if (u.state === 'SUSPENDED') this.recordChange('user_unsuspended', ref);
      this.recordChange('user_update', ref, [{ field: 'state', from: u.state, to: state }]);
    }
    u.state = state;
  }

  deleteUser(userId: string): void {
    const slot = this.requireUser(userId);
    const ref = this.userRef(slot);
    this.store.deleteUser(slot);
    this.external.usersDeleted++;
    this.recordChange('user_delete', ref);
  }

  createUser(input: {
    firstname?: string;
    lastname?: string;
    email?: string;
    username?: string;
    department?: string;
    jobTitle?: string;
    state?: UserState;
    managerId?: string;
    mfaConfigured?: boolean;
  }): string {
    const n = this.store.users.length;
    const firstname = input.firstname ?? 'New';
    const lastname = input.lastname ?? `User${n}`;
    const local = input.username ?? `${firstname}.${lastname}${n}`.toLowerCase();
    const slot = this.store.addUser({
      username: local,
      email: input.email ?? `${local}@org${this.seed}.example.com`,
      firstname,
      lastname,
      displayname: `${firstname} ${lastname}`,
      state: input.state ?? 'ACTIVATED',
      manager: input.managerId !== undefined ? this.requireUser(input.managerId) : -1,
      department: input.department ?? 'Engineering',
      jobTitle: input.jobTitle ?? 'Software Engineer',
      employeeIdentifier: `E${100000 + n}`,
      employeeType: 'Full-time',
      company: `Org ${this.seed} Inc.`,
      costCenter: 'CC-100',
      location: 'Remote',
      created: new Date().toISOString(),
      admin: -1,
      mfaConfigured: input.mfaConfigured ?? true,
      unixId: 5000 + n,
    });
    this.external.usersCreated++;
    this.recordChange('user_create', this.userRef(slot));
    return (this.store.users[slot] as { id: string }).id;
  }

  /**
   * A profile change made in JumpCloud (names, department, title, manager, MFA enrolment), recorded
   * as the `user_update` JumpCloud logs, with the fields that changed.
   */
  updateUser(
    userId: string,
    patch: {
      firstname?: string;
      lastname?: string;
      displayname?: string;
      department?: string;
      jobTitle?: string;
      managerId?: string | null;
      mfaConfigured?: boolean;
    },
  ): void {
    const slot = this.requireUser(userId);
    const u = this.store.users[slot];
    if (u === undefined) return;
    const manager =
      patch.managerId === undefined
        ? undefined
        : patch.managerId === null
          ? -1
          : this.requireUser(patch.managerId);
    const changes: { field: string; from: unknown; to: unknown }[] = [];
    const set = <
      K extends
        'firstname' | 'lastname' | 'displayname' | 'department' | 'jobTitle' | 'mfaConfigured' | 'manager',
    >(
      field: K,
      to: UserRec[K] | undefined,
    ) => {
      if (to === undefined || u[field] === to) return;
      changes.push({ field, from: u[field], to });
      u[field] = to;
    };
    set('firstname', patch.firstname);
    set('lastname', patch.lastname);
    set('displayname', patch.displayname);
    set('department', patch.department);
    set('jobTitle', patch.jobTitle);
    set('manager', manager);
    set('mfaConfigured', patch.mfaConfigured);
    this.external.usersUpdated++;
    if (changes.length > 0) this.recordChange('user_update', this.userRef(slot), changes);
  }

  /**
   * Binds a user group to an application (or unbinds it), recorded as the `association_change`
   * JumpCloud logs between the application and the group. Returns false when nothing changed.
   */
  setAppBinding(appId: string, groupId: string, bound: boolean): boolean {
    const appSlot = this.store.appSlotById.get(appId);
    const app = appSlot === undefined ? undefined : this.store.apps[appSlot];
    if (app === undefined) throw new NotFound(`application ${appId}`);
    const gs = this.requireGroup(groupId);
    const at = app.groups.indexOf(gs);
    if (at >= 0 === bound) return false;
    if (bound) app.groups.push(gs);
    else app.groups.splice(at, 1);
    if (bound) this.external.bindingsAdded++;
    else this.external.bindingsRemoved++;
    const g = this.store.groups[gs];
    this.insights.record({
      event_type: 'association_change',
      service: 'directory',
      success: true,
      initiated_by: this.consoleAdmin(),
      resource: { id: app.id, type: 'application', name: app.name },
      association: {
        op: bound ? 'add' : 'remove',
        connection: {
          from: { type: 'application', object_id: app.id, name: app.name },
          to: { type: 'user_group', object_id: g.id, name: g.name },
        },
      },
    });
    return true;
  }

  updateGroup(
    groupId: string,
    patch: { name?: string; description?: string; membershipMethod?: MembershipMethod },
  ): void {
    const g = this.store.groups[this.requireGroup(groupId)];
    if (g === undefined) return;
    this.recordChange('group_update', { id: g.id, type: 'user_group', name: patch.name ?? g.name }, patch);
    if (patch.name !== undefined && patch.name !== g.name) {
      g.name = patch.name;
      this.external.groupsRenamed++;
    }
    if (patch.description !== undefined) g.description = patch.description;
    if (patch.membershipMethod !== undefined) g.membershipMethod = patch.membershipMethod;
  }

  createGroup(input: { name: string; description?: string; membershipMethod?: MembershipMethod }): string {
    const slot = this.store.addGroup({
      name: input.name,
      description: input.description ?? '',
      membershipMethod: input.membershipMethod ?? 'STATIC',
      ruleDepartment: 'Engineering',
      posixId: 10000 + this.store.groups.length,
    });
    const id = (this.store.groups[slot] as { id: string }).id;
    this.recordChange('group_create', { id, type: 'user_group', name: input.name });
    return id;
  }

  deleteGroup(groupId: string): void {
    const slot = this.requireGroup(groupId);
    const g = this.store.groups[slot];
    this.store.deleteGroup(slot);
    this.recordChange('group_delete', { id: groupId, type: 'user_group', name: g?.name });
  }

  /**
   * Random membership changes by "someone else" (for re-sync benchmarks): `count` changes, about
   * half removals of existing memberships and half additions of new ones, from a seeded generator.
   */
  churn(count: number, seed = 1): ChurnResult {
    const s = this.store;
    const rng = createRng(seed ^ 0xc0ffee);
    const groups = s.groupSlots();
    const users = s.userSlots();
    const out: ChurnResult = { added: [], removed: [] };
    if (groups.length === 0 || users.length === 0) return out;
    let guard = count * 20 + 100;
    while (out.added.length + out.removed.length < count && guard-- > 0) {
      const gs = groups[Math.floor(rng() * groups.length)];
      const g = s.groups[gs];
      if (g === undefined) continue;
      if (rng() < 0.5 && g.size > 0) {
        const us = g.members[Math.floor(rng() * g.size)];
        if (s.removeMember(gs, us)) {
          out.removed.push({ groupId: g.id, userId: (s.users[us] as { id: string }).id });
          this.recordMembership('remove', gs, us, this.consoleAdmin());
        }
      } else {
        const us = users[Math.floor(rng() * users.length)];
        if (s.addMember(gs, us)) {
          out.added.push({ groupId: g.id, userId: (s.users[us] as { id: string }).id });
          this.recordMembership('add', gs, us, this.consoleAdmin());
        }
      }
    }
    this.external.added += out.added.length;
    this.external.removed += out.removed.length;
    return out;
  }
}

export class NotFound extends Error {
  constructor(what: string) {
    super(`${what} not found`);
  }
}

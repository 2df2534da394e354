import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  PERMISSIONS,
  type CredentialKind,
  type FaultSpec,
  type JumpCloudEmulator,
  type Permission,
} from './emulator';
import type { Initiator } from './insights';
import type { SeedSizes } from './seed';
import { adminJson, applicationJson, systemUserJson, userGroupJson, type Json } from './shapes';
import type { MembershipMethod, UserState } from './store';

type Req = FastifyRequest<{
  Querystring: Record<string, string | undefined>;
  Params: Record<string, string>;
  Body: Record<string, unknown> | undefined;
}>;

const STATES: UserState[] = ['ACTIVATED', 'SUSPENDED', 'STAGED'];
const METHODS: MembershipMethod[] = ['NOTSET', 'STATIC', 'DYNAMIC_REVIEW_REQUIRED', 'DYNAMIC_AUTOMATED'];

class ControlError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function bad(message: string): never {
  throw new ControlError(400, message);
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) bad(`${name} must be a number`);
  return n;
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(`${name} must be a string`);
  return v;
}

export function parseSizes(body: Record<string, unknown>): Partial<SeedSizes> {
  const out: Partial<SeedSizes> = {};
  for (const k of ['users', 'groups', 'membershipsPerUser', 'admins', 'apps'] as const) {
    const v = num(body[k], k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Serves every element of a collection: as one JSON array, a `skip`/`limit` slice of it, or
 * streamed as NDJSON (`?format=ndjson`), which keeps a million memberships out of one big string.
 */
function sendCollection<T>(
  req: Req,
  reply: FastifyReply,
  items: readonly T[],
  ser: (t: T) => unknown,
): unknown {
  const skip = num(req.query.skip, 'skip') ?? 0;
  const limit = num(req.query.limit, 'limit') ?? items.length;
  const slice = skip === 0 && limit >= items.length ? items : items.slice(skip, skip + limit);
  reply.header('x-total-count', String(items.length));
  if (req.query.format === 'ndjson') {
    function* lines(): Generator<string> {
      const batch: string[] = [];
      for (const it of slice) {
        batch.push(JSON.stringify(ser(it)));
        if (batch.length === 1000) {
          yield batch.join('\n') + '\n';
          batch.length = 0;
        }
      }
      if (batch.length > 0) yield batch.join('\n') + '\n';
    }
    return reply.type('application/x-ndjson').send(Readable.from(lines()));
  }
  return reply.send(slice.map(ser));
}

/** The control API under `/__emulator/` (no authentication; never part of JumpCloud's contract). */
export function registerControlRoutes(
  app: FastifyInstance,
  emu: JumpCloudEmulator,
  urls: () => { apiUrl: string; tokenUrl: string },
): void {
  const r = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    handler: (req: Req, reply: FastifyReply) => unknown,
  ) =>
    app.route({
      method,
      url: `/__emulator${url}`,
      handler: handler as (req: FastifyRequest, reply: FastifyReply) => unknown,
    });
  const body = (req: Req): Record<string, unknown> => {
    const b = req.body;
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) bad('body must be a JSON object');
    return b;
  };

  // ---------------------------------------------------------------- lifecycle
  r('POST', '/reset', () => {
    emu.reseed();
    return emu.summary();
  });
  r('POST', '/seed', (req) => {
    const b = body(req);
    const seed = num(b.seed, 'seed');
    const sizes = parseSizes(isObj(b.sizes) ? b.sizes : b);
    const t0 = Date.now();
    emu.reseed(seed ?? emu.seed, sizes);
    return { ...emu.summary(), generatedInMs: Date.now() - t0 };
  });
  r('GET', '/state', () => emu.summary());

  // ---------------------------------------------------------------- credentials, permissions, settings
  r('GET', '/credentials', () => ({ ...emu.credentials, ...urls() }));
  r('PUT', '/credentials', (req) => {
    const b = body(req);
    const patch: Record<string, string> = {};
    for (const k of ['orgId', 'apiKey', 'clientId', 'clientSecret'] as const) {
      const v = str(b[k], k);
      if (v !== undefined) patch[k] = v;
    }
    return { ...emu.setCredentials(patch), ...urls() };
  });
  r('PUT', '/permissions', (req) => {
    const b = body(req);
    const credential = (str(b.credential, 'credential') ?? 'all') as CredentialKind | 'all';
    if (!['all', 'api_key', 'service_account'].includes(credential))
      bad('credential must be all, api_key or service_account');
    const deny = Array.isArray(b.deny) ? b.deny : bad('deny must be an array');
    for (const p of deny)
      if (!(PERMISSIONS as readonly unknown[]).includes(p)) bad(`unknown permission ${String(p)}`);
    emu.setDenied(credential, deny as Permission[]);
    return { api_key: [...emu.denied.api_key], service_account: [...emu.denied.service_account] };
  });
  r('GET', '/permissions', () => ({
    api_key: [...emu.denied.api_key],
    service_account: [...emu.denied.service_account],
  }));
  r('POST', '/tokens/revoke', () => ({ revoked: emu.revokeTokens() }));
  r('PUT', '/settings', (req) => {
    const b = body(req);
    const ttl = num(b.tokenTtlSeconds, 'tokenTtlSeconds');
    if (ttl !== undefined) emu.settings.tokenTtlSeconds = ttl;
    if (b.requireOrgHeader !== undefined) emu.settings.requireOrgHeader = b.requireOrgHeader === true;
    const size = num(b.requestLogSize, 'requestLogSize');
    if (size !== undefined) emu.settings.requestLogSize = size;
    return emu.settings;
  });

  // ---------------------------------------------------------------- request log, counters
  r('GET', '/requests', (req) =>
    emu.requests({
      since: num(req.query.since, 'since'),
      route: req.query.route,
      path: req.query.path,
      limit: num(req.query.limit, 'limit'),
    }),
  );
  r('DELETE', '/requests', () => {
    emu.clearRequests();
    return { cleared: true };
  });
  r('GET', '/stats', () => emu.stats());

  // ---------------------------------------------------------------- faults
  r('POST', '/faults', (req) => {
    const b = body(req);
    const spec: FaultSpec = {
      kind: (str(b.kind, 'kind') ?? bad('kind is required')) as FaultSpec['kind'],
      count: num(b.count, 'count'),
      fraction: num(b.fraction, 'fraction'),
      path: str(b.path, 'path'),
      method: str(b.method, 'method'),
      retryAfterSeconds: b.retryAfterSeconds === null ? null : num(b.retryAfterSeconds, 'retryAfterSeconds'),
      status: num(b.status, 'status'),
      latencyMs: num(b.latencyMs, 'latencyMs'),
      latencyMaxMs: num(b.latencyMaxMs, 'latencyMaxMs'),
      hangMs: num(b.hangMs, 'hangMs'),
    };
    for (const k of Object.keys(spec) as (keyof FaultSpec)[]) if (spec[k] === undefined) delete spec[k];
    try {
      const { pathRe: _re, ...rule } = emu.addFault(spec);
      return rule;
    } catch (e) {
      bad((e as Error).message);
    }
  });
  r('GET', '/faults', () => emu.listFaults());
  r('DELETE', '/faults', () => {
    emu.clearFaults();
    return { cleared: true };
  });
  r('DELETE', '/faults/:id', (req, reply) =>
    emu.removeFault(Number(req.params.id))
      ? { removed: true }
      : reply.code(404).send({ message: 'no such fault' }),
  );

  // ---------------------------------------------------------------- state reads
  const s = () => emu.store;
  r('GET', '/state/users', (req, reply) => {
    const st = s();
    return sendCollection(req, reply, st.userSlots(), (slot) => systemUserJson(st, st.users[slot]));
  });
  r('GET', '/state/admins', (req, reply) => {
    const st = s();
    return sendCollection(req, reply, st.admins, (a) => adminJson(st, a));
  });
  r('GET', '/state/groups', (req, reply) => {
    const st = s();
    return sendCollection(req, reply, st.groupSlots(), (slot) => {
      const g = st.groups[slot];
      return { ...userGroupJson(st, g), memberCount: g.size };
    });
  });
  r('GET', '/state/groups/:id/members', (req, reply) => {
    const st = s();
    const slot = st.groupSlot(req.params.id ?? '');
    if (slot === undefined) return reply.code(404).send({ message: 'no such group' });
    const g = st.groups[slot];
    return sendCollection(req, reply, Array.from(g.members.subarray(0, g.size)), (u) => st.users[u].id);
  });
  r('GET', '/state/memberships', (req, reply) => {
    const st = s();
    // Pairs are produced lazily so that a million rows never sit in one array.
    const groups = st.groupSlots();
    const total = st.membershipCount();
    function* pairs(): Generator<string> {
      let batch: string[] = [];
      for (const gs of groups) {
        const g = st.groups[gs];
        for (let i = 0; i < g.size; i++) {
          batch.push(`{"groupId":"${g.id}","userId":"${st.users[g.members[i]].id}"}`);
          if (batch.length === 2000) {
            yield batch.join('\n') + '\n';
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch.join('\n') + '\n';
    }
    reply.header('x-total-count', String(total));
    if (req.query.format === 'ndjson') return reply.type('application/x-ndjson').send(Readable.from(pairs()));
    const out: Json[] = [];
    for (const gs of groups) {
      const g = st.groups[gs];
      for (let i = 0; i < g.size; i++) out.push({ groupId: g.id, userId: st.users[g.members[i]].id });
    }
    return out;
  });
  r('GET', '/state/apps', (req, reply) => {
    const st = s();
    return sendCollection(req, reply, st.apps, (a) => ({
      ...applicationJson(st, a),
      groupIds: a.groups.map((g) => st.groups[g].id),
      userIds: a.users.map((u) => st.users[u].id),
    }));
  });
  r('GET', '/state/bindings', () => {
    const st = s();
    return st.apps.flatMap((a) => a.groups.map((g) => ({ applicationId: a.id, groupId: st.groups[g].id })));
  });

  // ---------------------------------------------------------------- changes "made by someone else"
  r('POST', '/groups/:id/members', (req) => ({
    changed: emu.externalAddMember(
      req.params.id ?? '',
      str(body(req).userId, 'userId') ?? bad('userId is required'),
      initiator(body(req).initiatedBy),
    ),
  }));
  r('DELETE', '/groups/:id/members/:userId', (req) => ({
    changed: emu.externalRemoveMember(req.params.id ?? '', req.params.userId ?? ''),
  }));
  r('PATCH', '/groups/:id', (req) => {
    const b = body(req);
    const method = str(b.membershipMethod, 'membershipMethod');
    if (method !== undefined && !METHODS.includes(method as MembershipMethod))
      bad('unknown membershipMethod');
    emu.updateGroup(req.params.id ?? '', {
      name: str(b.name, 'name'),
      description: str(b.description, 'description'),
      membershipMethod: method as MembershipMethod | undefined,
    });
    return { updated: true };
  });
  r('POST', '/groups', (req) => {
    const b = body(req);
    const method = str(b.membershipMethod, 'membershipMethod');
    if (method !== undefined && !METHODS.includes(method as MembershipMethod))
      bad('unknown membershipMethod');
    return {
      id: emu.createGroup({
        name: str(b.name, 'name') ?? bad('name is required'),
        description: str(b.description, 'description'),
        membershipMethod: method as MembershipMethod | undefined,
      }),
    };
  });
  r('DELETE', '/groups/:id', (req) => {
    emu.deleteGroup(req.params.id ?? '');
    return { deleted: true };
  });
  r('POST', '/users', (req) => {
    const b = body(req);
    const state = str(b.state, 'state');
    if (state !== undefined && !STATES.includes(state as UserState)) bad('unknown state');
    return {
      id: emu.createUser({
        firstname: str(b.firstname, 'firstname'),
        lastname: str(b.lastname, 'lastname'),
        email: str(b.email, 'email'),
        username: str(b.username, 'username'),
        department: str(b.department, 'department'),
        jobTitle: str(b.jobTitle, 'jobTitle'),
        state: state as UserState | undefined,
        managerId: str(b.managerId, 'managerId'),
        mfaConfigured: b.mfaConfigured === undefined ? undefined : b.mfaConfigured === true,
      }),
    };
  });
  r('PATCH', '/users/:id', (req) => {
    const b = body(req);
    emu.updateUser(req.params.id ?? '', {
      firstname: str(b.firstname, 'firstname'),
      lastname: str(b.lastname, 'lastname'),
      displayname: str(b.displayname, 'displayname'),
      jobTitle: str(b.jobTitle, 'jobTitle'),
      department: str(b.department, 'department'),
      managerId: b.managerId === null ? null : str(b.managerId, 'managerId'),
      mfaConfigured: b.mfaConfigured === undefined ? undefined : b.mfaConfigured === true,
    });
    return { updated: true };
  });
  r('POST', '/users/:id/suspend', (req) => {
    emu.setUserState(req.params.id ?? '', 'SUSPENDED');
    return { state: 'SUSPENDED' };
  });
  r('POST', '/users/:id/activate', (req) => {
    emu.setUserState(req.params.id ?? '', 'ACTIVATED');
    return { state: 'ACTIVATED' };
  });
  // A sign-in event (API-NOTES §10: `sso_auth` to an application, else `user_login_attempt`), now unless `at`.
  r('POST', '/users/:id/sign-ins', (req) => {
    const b = body(req);
    const at = str(b.at, 'at');
    const when = at === undefined ? undefined : Date.parse(at);
    if (when !== undefined && Number.isNaN(when)) bad('at must be a date');
    if (b.success !== undefined && typeof b.success !== 'boolean') bad('success must be a boolean');
    emu.signIn(req.params.id ?? '', {
      appId: str(b.applicationId, 'applicationId'),
      at: when,
      success: b.success,
    });
    return { recorded: true };
  });
  r('DELETE', '/users/:id', (req) => {
    emu.deleteUser(req.params.id ?? '');
    return { deleted: true };
  });
  r('POST', '/apps/:id/groups', (req) => ({
    changed: emu.setAppBinding(
      req.params.id ?? '',
      str(body(req).groupId, 'groupId') ?? bad('groupId is required'),
      true,
    ),
  }));
  r('DELETE', '/apps/:id/groups/:groupId', (req) => ({
    changed: emu.setAppBinding(req.params.id ?? '', req.params.groupId ?? '', false),
  }));
  r('POST', '/churn', (req) => {
    const b = body(req);
    const count = num(b.count, 'count');
    const fraction = num(b.fraction, 'fraction');
    const n = count ?? Math.round((fraction ?? 0) * emu.store.membershipCount());
    return emu.churn(n, num(b.seed, 'seed') ?? 1);
  });
}

/** `initiatedBy` of a control-API change: who Directory Insights says made it (absent: the first administrator). */
function initiator(v: unknown): Initiator | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) return bad('initiatedBy must be an object');
  const type = str(v.type, 'initiatedBy.type');
  if (type !== 'admin' && type !== 'api_key' && type !== 'service_account' && type !== 'scim') {
    return bad('initiatedBy.type must be admin, api_key, service_account or scim');
  }
  return { type, id: str(v.id, 'initiatedBy.id'), email: str(v.email, 'initiatedBy.email') };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JumpCloudEmulator, Permission, RequestLogEntry } from './emulator';
import { BadRequest, GRAPH_FILTER_FIELDS, listPage, pageParams, type Query } from './listing';
import {
  adminJson,
  applicationJson,
  errorJson,
  graphConnectionJson,
  graphObjectWithPathsJson,
  organizationJson,
  organizationSummaryJson,
  systemUserJson,
  userGroupJson,
} from './shapes';
import { requestId } from './insights';
import type { AppRec, GroupRec } from './store';

/** Per-route settings read by the auth hook. */
export interface RouteAuth {
  /** Permission a credential needs (denied ones get 403). */
  perm?: Permission;
  /** Organisation endpoints refuse `x-org-id` (API-NOTES §2c). */
  orgEndpoint?: boolean;
  /** The OAuth token endpoint authenticates itself. */
  token?: boolean;
}

type Req = FastifyRequest<{ Querystring: Query; Params: Record<string, string>; Body: unknown }>;

export const logEntries = new WeakMap<FastifyRequest, RequestLogEntry>();
/** Membership writes that "someone else" makes first (fault `concurrent_write`). */
const racedWrites = new WeakSet<FastifyRequest>();
/**
 * Delays (latency, a hang that answers late) served after the body is read, before the handler: a
 * request JumpCloud received is applied even when the client gave up waiting for the answer, which
 * is what makes a timed-out write uncertain.
 */
const delays = new WeakMap<FastifyRequest, number>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function fail(reply: FastifyReply, status: number, detail: string): FastifyReply {
  return reply.code(status).send(errorJson(status, detail));
}

function authKind(req: FastifyRequest): RequestLogEntry['auth'] {
  if (typeof req.headers['x-api-key'] === 'string') return 'api_key';
  const a = req.headers.authorization;
  if (typeof a === 'string' && /^bearer /i.test(a)) return 'bearer';
  if (typeof a === 'string' && /^basic /i.test(a)) return 'basic';
  return 'none';
}

export function registerApiRoutes(app: FastifyInstance, emu: JumpCloudEmulator): void {
  // Every API and token request is logged and counted, then faults, then authentication.
  app.addHook('onRequest', async (req, reply) => {
    const inFlight = emu.requestStarted();
    // 'close' comes once whether the answer was sent or the client went away (a hang, a timeout).
    reply.raw.once('close', () => emu.requestEnded());
    const path = req.url.split('?')[0] ?? req.url;
    const orgHeader = req.headers['x-org-id'];
    const entry = emu.logRequest({
      method: req.method,
      path,
      route: req.routeOptions.url ?? '(unmatched)',
      query: req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '',
      status: null,
      auth: authKind(req),
      orgIdHeader: typeof orgHeader === 'string' ? orgHeader : null,
      fault: null,
      inFlight,
    });
    logEntries.set(req, entry);

    const d = emu.decideFaults(req.method, path);
    let delayMs = d.latencyMs;
    const f = d.terminal;
    if (f !== null) {
      entry.fault = f.kind;
      switch (f.kind) {
        case 'rate_limit': {
          if (delayMs > 0) await sleep(delayMs);
          const ra = f.retryAfterSeconds === undefined ? 1 : f.retryAfterSeconds;
          if (ra !== null) reply.header('retry-after', String(ra));
          return fail(reply, 429, 'rate limit exceeded');
        }
        case 'server_error':
          if (delayMs > 0) await sleep(delayMs);
          return fail(reply, f.status ?? 500, 'injected fault');
        case 'hang':
          if (f.hangMs === undefined) {
            // Never answer: the socket stays open until the client gives up or the emulator closes.
            reply.hijack();
            return reply;
          }
          delayMs += f.hangMs;
          break;
        case 'latency':
          break;
        case 'concurrent_write':
          racedWrites.add(req);
          break;
      }
    }
    if (delayMs > 0) delays.set(req, delayMs);

    const cfg = (req.routeOptions.config ?? {}) as RouteAuth;
    if (cfg.token) return;
    const creds = emu.credentials;
    let kind: 'api_key' | 'service_account';
    const apiKey = req.headers['x-api-key'];
    const authz = req.headers.authorization;
    if (typeof apiKey === 'string') {
      if (apiKey !== creds.apiKey) return fail(reply, 401, 'api key user not found');
      kind = 'api_key';
    } else if (typeof authz === 'string' && /^bearer /i.test(authz)) {
      if (!emu.tokenValid(authz.slice(7).trim())) return fail(reply, 401, 'invalid token');
      kind = 'service_account';
    } else {
      return fail(reply, 401, 'missing credentials');
    }
    if (cfg.orgEndpoint) {
      if (orgHeader !== undefined) return fail(reply, 403, 'organization selection not allowed via header');
    } else if (orgHeader === undefined) {
      if (emu.settings.requireOrgHeader) return fail(reply, 401, 'no organization selected');
    } else if (orgHeader !== creds.orgId) {
      // Real status unknown (API-NOTES §9); the emulator answers 401 and names the organisation.
      return fail(reply, 401, 'organization not accessible with these credentials');
    }
    if (cfg.perm !== undefined && emu.denied[kind].has(cfg.perm)) {
      return fail(reply, 403, 'insufficient permissions');
    }
  });

  app.addHook('preHandler', async (req) => {
    const ms = delays.get(req);
    if (ms !== undefined) await sleep(ms);
  });

  app.addHook('onResponse', async (req, reply) => {
    const e = logEntries.get(req);
    if (e) e.status = reply.statusCode;
  });

  const route = (
    method: 'GET' | 'POST',
    url: string,
    config: RouteAuth,
    handler: (req: Req, reply: FastifyReply) => unknown,
  ) =>
    app.route({
      method,
      url,
      config,
      handler: handler as (req: FastifyRequest, reply: FastifyReply) => unknown,
    });

  const store = () => emu.store;

  // ---------------------------------------------------------------- OAuth token (API-NOTES §2b)
  route('POST', '/oauth2/token', { token: true }, (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    let id: string | undefined;
    let secret: string | undefined;
    const authz = req.headers.authorization;
    if (typeof authz === 'string' && /^basic /i.test(authz)) {
      const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0) {
        id = decoded.slice(0, i);
        secret = decoded.slice(i + 1);
      }
    } else {
      id = body.client_id;
      secret = body.client_secret;
    }
    if (body.grant_type !== 'client_credentials') {
      return reply.code(400).send({
        error: 'unsupported_grant_type',
        error_description: 'grant_type must be client_credentials',
      });
    }
    const c = emu.credentials;
    if (id !== c.clientId || secret !== c.clientSecret) {
      return reply
        .code(401)
        .send({ error: 'invalid_client', error_description: 'client authentication failed' });
    }
    if (emu.denied.service_account.has('token')) {
      return reply
        .code(403)
        .send({ error: 'access_denied', error_description: 'client not allowed to use the API' });
    }
    return reply.header('cache-control', 'no-store').send(emu.issueToken());
  });

  // ---------------------------------------------------------------- Directory Insights (API-NOTES §10)
  route('POST', '/insights/directory/v1/events', { perm: 'insights.read' }, (req, reply) => {
    const page = emu.insights.query(req.body);
    void reply
      .header('x-result-count', String(page.events.length))
      .header('x-limit', String(page.limit))
      .header('x-sort', page.sort)
      .header('x-request-id', requestId());
    if (page.searchAfter !== null) void reply.header('x-search_after', JSON.stringify(page.searchAfter));
    return reply.send(page.events);
  });

  // ---------------------------------------------------------------- v1: system users
  route('GET', '/api/systemusers', { perm: 'users.read' }, (req) => {
    const s = store();
    const { total, page } = listPage(req.query, 1, s.userSlots(), (slot) => systemUserJson(s, s.users[slot]));
    return { totalCount: total, results: page };
  });
  route('GET', '/api/systemusers/:id', { perm: 'users.read' }, (req, reply) => {
    const s = store();
    const slot = s.userSlot(req.params.id ?? '');
    if (slot === undefined) return fail(reply, 404, 'Not Found');
    return systemUserJson(s, s.users[slot]);
  });

  // ---------------------------------------------------------------- v1: administrators (undocumented /users)
  route('GET', '/api/users', { perm: 'administrators.read' }, (req) => {
    const s = store();
    const { total, page } = listPage(req.query, 1, s.admins, (a) => adminJson(s, a));
    return { totalCount: total, results: page };
  });
  route('GET', '/api/users/:id', { perm: 'administrators.read' }, (req, reply) => {
    const s = store();
    const slot = s.adminSlotById.get(req.params.id ?? '');
    const a = slot === undefined ? undefined : s.admins[slot];
    if (a === undefined) return fail(reply, 404, 'Not Found');
    return adminJson(s, a);
  });

  // ---------------------------------------------------------------- v1: applications
  route('GET', '/api/applications', { perm: 'applications.read' }, (req) => {
    const s = store();
    const { total, page } = listPage(req.query, 1, s.apps, (a) => applicationJson(s, a), {
      defaultSort: 'name',
    });
    return { totalCount: total, results: page };
  });
  route('GET', '/api/applications/:id', { perm: 'applications.read' }, (req, reply) => {
    const app = appOf(req.params.id);
    if (app === undefined) return fail(reply, 404, 'Not Found');
    return applicationJson(store(), app);
  });

  // ---------------------------------------------------------------- v1: organisations (never x-org-id)
  route('GET', '/api/organizations', { perm: 'organizations.read', orgEndpoint: true }, (req) => {
    const s = store();
    const { total, page } = listPage(req.query, 1, [s.org], () => organizationSummaryJson(s));
    return { totalCount: total, results: page };
  });
  route('GET', '/api/organizations/:id', { perm: 'organizations.read', orgEndpoint: true }, (req, reply) => {
    const s = store();
    if (req.params.id !== s.org.id) return fail(reply, 404, 'Not Found');
    return organizationJson(s);
  });

  // ---------------------------------------------------------------- v2: user groups
  const groupOf = (id: string | undefined): { slot: number; g: GroupRec } | undefined => {
    const s = store();
    const slot = s.groupSlot(id ?? '');
    if (slot === undefined) return undefined;
    return { slot, g: s.groups[slot] };
  };
  const appOf = (id: string | undefined): AppRec | undefined => {
    const s = store();
    const slot = s.appSlotById.get(id ?? '');
    return slot === undefined ? undefined : s.apps[slot];
  };

  route('GET', '/api/v2/usergroups', { perm: 'groups.read' }, (req, reply) => {
    const s = store();
    const { total, page } = listPage(req.query, 2, s.groupSlots(), (slot) =>
      userGroupJson(s, s.groups[slot]),
    );
    return reply.header('x-total-count', String(total)).send(page);
  });
  route('GET', '/api/v2/usergroups/:group_id', { perm: 'groups.read' }, (req, reply) => {
    const found = groupOf(req.params.group_id);
    if (found === undefined) return fail(reply, 404, 'Not Found');
    return userGroupJson(store(), found.g);
  });

  // Direct members: only limit and skip (API-NOTES E7).
  route('GET', '/api/v2/usergroups/:group_id/members', { perm: 'groups.read' }, (req, reply) => {
    const found = groupOf(req.params.group_id);
    if (found === undefined) return fail(reply, 404, 'Not Found');
    const { limit, skip } = pageParams(req.query);
    const s = store();
    const { g } = found;
    const end = Math.min(g.size, skip + limit);
    const page = [];
    for (let i = skip; i < end; i++) {
      page.push(graphConnectionJson((s.users[g.members[i]] as { id: string }).id, 'user'));
    }
    return reply.header('x-total-count', String(g.size)).send(page);
  });

  route('GET', '/api/v2/usergroups/:group_id/membership', { perm: 'groups.read' }, (req, reply) => {
    const found = groupOf(req.params.group_id);
    if (found === undefined) return fail(reply, 404, 'Not Found');
    const s = store();
    const { g } = found;
    const from = { id: g.id, type: 'user_group' };
    const ids = Array.from(g.members.subarray(0, g.size), (slot) => (s.users[slot] as { id: string }).id);
    const { total, page } = listPage(
      req.query,
      2,
      ids,
      (id) => graphObjectWithPathsJson({ id, type: 'user' }, from),
      { filterFields: GRAPH_FILTER_FIELDS },
    );
    return reply.header('x-total-count', String(total)).send(page);
  });

  // Membership writes (API-NOTES E9): 204; 409 already a member; 404 not a member / unknown ids.
  route('POST', '/api/v2/usergroups/:group_id/members', { perm: 'groups.write' }, (req, reply) => {
    emu.membership.calls++;
    const body = req.body;
    const entry = logEntries.get(req);
    if (entry) entry.body = body;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return fail(reply, 400, 'body must be an object');
    const { op, type, id } = body as Record<string, unknown>;
    if (op !== 'add' && op !== 'remove' && op !== 'update')
      return fail(reply, 400, 'op must be add, remove or update');
    if (type !== 'user') return fail(reply, 400, 'type must be user');
    if (typeof id !== 'string' || id === '') return fail(reply, 400, 'id is required');
    const found = groupOf(req.params.group_id);
    if (found === undefined) return fail(reply, 404, 'group Not Found');
    const s = store();
    const userSlot = s.userSlot(id);
    if (userSlot === undefined) return fail(reply, 404, 'user Not Found');
    if (found.g.membershipMethod === 'DYNAMIC_AUTOMATED') {
      // Unknown in the real API (API-NOTES E9); the emulator refuses manual changes to rule-managed groups.
      return fail(reply, 400, 'members of a DYNAMIC_AUTOMATED group are managed by its rule');
    }
    if (racedWrites.has(req)) {
      // Someone else made the same change an instant before this request arrived.
      if (op === 'add') emu.externalAddMember(found.g.id, id);
      else if (op === 'remove') emu.externalRemoveMember(found.g.id, id);
    }
    // JumpCloud records who made the change: the API key's admin, or the service account.
    const by =
      authKind(req) === 'api_key' ? { type: 'api_key' as const } : { type: 'service_account' as const };
    if (op === 'add') {
      if (!s.addMember(found.slot, userSlot)) return fail(reply, 409, 'Already Exists');
      emu.membership.added++;
      emu.recordMembership('add', found.slot, userSlot, by);
    } else if (op === 'remove') {
      if (!s.removeMember(found.slot, userSlot)) return fail(reply, 404, 'user is not a member of the group');
      emu.membership.removed++;
      emu.recordMembership('remove', found.slot, userSlot, by);
    } else if (!s.isMember(found.slot, userSlot)) {
      return fail(reply, 404, 'user is not a member of the group');
    }
    return reply.code(204).send();
  });

  route('GET', '/api/v2/users/:user_id/memberof', { perm: 'groups.read' }, (req, reply) => {
    const s = store();
    const slot = s.userSlot(req.params.user_id ?? '');
    if (slot === undefined) return fail(reply, 404, 'Not Found');
    const u = s.users[slot] as { id: string };
    const from = { id: u.id, type: 'user' };
    const { total, page } = listPage(
      req.query,
      2,
      s.groupsOf(slot),
      (gs) => graphObjectWithPathsJson({ id: s.groups[gs].id, type: 'user_group' }, from),
      { filterFields: GRAPH_FILTER_FIELDS },
    );
    return reply.header('x-total-count', String(total)).send(page);
  });

  // ---------------------------------------------------------------- v2: application bindings (E12)
  route(
    'GET',
    '/api/v2/applications/:application_id/associations',
    { perm: 'applications.read' },
    (req, reply) => {
      const app = appOf(req.params.application_id);
      if (app === undefined) return fail(reply, 404, 'Not Found');
      const raw = req.query.targets;
      const targets = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((t) =>
        t.split(','),
      );
      if (targets.length === 0) return fail(reply, 400, 'targets is required');
      if (targets.some((t) => t !== 'user' && t !== 'user_group'))
        return fail(reply, 400, 'targets must be user or user_group');
      const s = store();
      const edges: { id: string; type: string }[] = [];
      if (targets.includes('user'))
        for (const u of app.users) edges.push({ id: (s.users[u] as { id: string }).id, type: 'user' });
      if (targets.includes('user_group')) {
        for (const g of app.groups) edges.push({ id: s.groups[g].id, type: 'user_group' });
      }
      const { limit, skip } = pageParams(req.query);
      const page = edges.slice(skip, skip + limit).map((e) => graphConnectionJson(e.id, e.type));
      return reply.header('x-total-count', String(edges.length)).send(page);
    },
  );

  route(
    'GET',
    '/api/v2/applications/:application_id/usergroups',
    { perm: 'applications.read' },
    (req, reply) => {
      const app = appOf(req.params.application_id);
      if (app === undefined) return fail(reply, 404, 'Not Found');
      const s = store();
      const from = { id: app.id, type: 'application' };
      const { total, page } = listPage(req.query, 2, app.groups, (g) =>
        graphObjectWithPathsJson({ id: s.groups[g].id, type: 'user_group' }, from),
      );
      return reply.header('x-total-count', String(total)).send(page);
    },
  );
}

export function isBadRequest(e: unknown): e is BadRequest {
  return e instanceof BadRequest;
}

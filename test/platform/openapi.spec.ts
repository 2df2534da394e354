import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { POLICY_KEY, type RoutePolicy } from '../../src/platform/http/policy';
import { type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign } from '../helpers/campaigns';
import { putRequestablePolicy, requestAndApprove } from '../helpers/grants';
import { localId, outsidersOf, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document is walked as plain JSON */
type Json = any;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * API.md's field lists of the key resources. A response schema may name only these fields, the ones
 * later sections of API.md add (`later`) and the extras listed with why (`extra`: API.md allows more
 * fields). `missing` are API.md fields the server does not give yet: the test fails when one appears,
 * so the list shrinks with the code.
 */
const RESOURCES: Record<
  string,
  { fields: string[]; later?: string[]; extra?: string[]; missing?: string[] }
> = {
  CampaignResponse: {
    fields: [
      'id',
      'connectionId',
      'name',
      'description',
      'status',
      'scope',
      'reviewerStrategy',
      'reviewerIds',
      'fallbackReviewerIds',
      'dueAt',
      'defaultDecision',
      'autoRemediate',
      'mode',
      'kind',
      'createdBy',
      'launchedAt',
      'closedAt',
      'progress',
    ],
    later: [
      'reminders',
      'closeAfterDueDays',
      'escalateAfterDays',
      'maxSyncAgeHours',
      'certificationValidDays',
      'maxRevokeSharePerGroup',
      'maxRevokesPerClose',
      'inactiveDays',
      'templateId',
    ],
    // purpose: which standing campaign (Break-glass or Drift reviews); null for a regular one.
    // period: the template period a campaign was made for (its name's suffix, e.g. 2027-Q1); else null.
    // closedBy: who closed it (null: the system), which decides who may release held removals.
    extra: ['createdAt', 'purpose', 'period', 'closedBy'],
  },
  CampaignProgress: {
    fields: [
      'total',
      'pending',
      'kept',
      'revoked',
      'converted',
      'carried',
      'held',
      'expired',
      'remediated',
      'remediationFailed',
      'manual',
    ],
  },
  ReviewItemResponse: {
    fields: [
      'id',
      'campaignId',
      'campaign',
      'account',
      'group',
      'membershipSince',
      'grantId',
      'reviewerId',
      'status',
      'decision',
      'justification',
      'decidedBy',
      'decidedAt',
      'override',
      'remediation',
      'recommendation',
    ],
    later: ['certifiedUntil'],
    // remediatedAt: when the removal was confirmed; createdAt: the order lists follow; remediationNote:
    // what a person must do by hand (an administrator account).
    extra: ['remediatedAt', 'createdAt', 'remediationNote'],
  },
  ReviewItemAccount: {
    fields: [
      'id',
      'email',
      'displayName',
      'kind',
      'state',
      'department',
      'jobTitle',
      'manager',
      'isAdministrator',
    ],
    later: ['mfaConfigured', 'adminRoles', 'lastSignInAt'],
  },
  AccessRequestResponse: {
    fields: [
      'id',
      'connectionId',
      'groupId',
      'accountId',
      'requesterId',
      'durationMinutes',
      'justification',
      'status',
      'approvals',
      'grantId',
      'createdAt',
      'decidedAt',
    ],
    later: ['startsAt', 'breakGlass', 'eligibleApprovers', 'currentStep', 'approverChanges'],
    // what became of the grant, so a requester sees `already_member` here too; the steps the request
    // was made under (currentStep indexes them) and when a pending one expires (requestTtlHours)
    extra: ['grant', 'approvalSteps', 'expiresAt'],
  },
  GrantResponse: {
    fields: [
      'id',
      'requestId',
      'accountId',
      'groupId',
      'status',
      'startsAt',
      'expiresAt',
      'endedAt',
      'endReason',
    ],
    extra: ['failureReason'],
  },
  PrincipalResponse: {
    fields: ['id', 'email', 'displayName', 'roles', 'disabled', 'createdAt'],
    later: ['kind'],
  },
  ConnectionResponse: {
    fields: [
      'id',
      'name',
      'orgId',
      'region',
      'credentialType',
      'clientIdLast4',
      'syncIntervalMinutes',
      'status',
      'lastSyncAt',
      'createdAt',
    ],
    later: ['insights'],
    // JumpCloud write permission, which reads cannot show; when `insights` was last looked at
    extra: ['writeAccess', 'insightsCheckedAt'],
  },
  SyncRunResponse: {
    fields: ['id', 'connectionId', 'status', 'trigger', 'startedAt', 'finishedAt', 'stats', 'held', 'error'],
    extra: ['createdAt'],
  },
  SyncStatsResponse: {
    fields: [
      'users',
      'admins',
      'groups',
      'memberships',
      'applications',
      'added',
      'removed',
      'updated',
      'apiCalls',
    ],
    later: ['mode', 'events', 'fallbackReason'],
  },
  SessionResponse: { fields: ['id', 'createdAt', 'lastSeenAt', 'expiresAt', 'userAgent', 'current'] },
  ProgressEntryResponse: { fields: ['key', 'total', 'pending', 'kept', 'revoked', 'converted', 'expired'] },
  ReviewSummaryEntryResponse: { fields: ['campaign', 'total', 'pending', 'decided'] },
  CampaignPreviewResponse: {
    fields: ['items', 'groups', 'reviewers', 'fallbackItems'],
    // items no reviewer may take: every fallback is the member; memberships a delta launch would carry
    extra: ['unassignedItems', 'carried'],
  },
  PreviewReviewerResponse: {
    fields: ['id', 'displayName', 'items'],
    // a manager a launch would create has no id yet: the email says who it is
    extra: ['email'],
  },
};

/** OpenAPI 3.0 schemas as JSON Schema for ajv: `nullable` as a null alternative, no unknown fields. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable' || k === 'example') continue;
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, toJsonSchema(s)]))
        : toJsonSchema(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.enum && node.nullable) out.enum = [...out.enum, null];
  return node.nullable ? { anyOf: [{ type: 'null' }, out] } : out;
}

describe('the OpenAPI document', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let doc: Json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);

  const operations = (): { method: string; path: string; op: Json }[] =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Json)[m]).map((method) => ({
        method,
        path,
        op: (item as Json)[method],
      })),
    );
  const schemaNamed = (ref: string): Json => doc.components.schemas[ref.replace('#/components/schemas/', '')];

  /** The 2xx JSON schema of an operation, as ajv validates it. */
  function validatorFor(method: string, path: string): (body: unknown) => string[] {
    const op = doc.paths[path][method];
    const ok = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
    const validate = ajv.compile({
      $ref: `openapi#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${ok}/content/application~1json/schema`,
    });
    return (body) =>
      validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 41,
      sizes: { users: 30, groups: 6, membershipsPerUser: 2, admins: 2, apps: 2 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    const res = await t.request('GET', '/api/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
    ajv.addSchema({ ...toJsonSchema({ paths: doc.paths, components: doc.components }), $id: 'openapi' });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences its argument: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('is the committed openapi.json (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });

  // API.md: the first of two admins releasing what a system close held is 202, the second 200.
  const TWO_OK: Record<string, string> = { 'POST /api/v1/campaigns/{id}/release-held': '200,202' };

  it('gives every operation a summary and a typed 2xx body', () => {
    const problems: string[] = [];
    for (const { method, path, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.summary?.trim()) problems.push(`${where}: no summary`);
      // A browser redirect (sign-in) answers 302 instead.
      const ok = Object.keys(op.responses).filter((s) => s.startsWith('2') || s === '302');
      if (TWO_OK[where] && ok.join() === TWO_OK[where]) ok.splice(1);
      if (ok.length !== 1) {
        problems.push(`${where}: ${ok.length} 2xx responses`);
        continue;
      }
      if (ok[0] === '302') {
        if (!op.responses['302'].headers?.Location) problems.push(`${where}: a redirect without Location`);
        continue;
      }
      const content = op.responses[ok[0]].content;
      if (ok[0] === '204') {
        if (content) problems.push(`${where}: a 204 with a body`);
        continue;
      }
      const [type, media] = Object.entries(content ?? {})[0] ?? [];
      const schema = (media as Json)?.schema;
      if (!schema) {
        problems.push(`${where}: no 2xx body`);
        continue;
      }
      if (type === 'application/json') {
        const target = schema.$ref ? schemaNamed(schema.$ref) : schema;
        const typed = target && (target.properties || target.oneOf || target.allOf);
        if (!typed) problems.push(`${where}: the 2xx body is not a typed schema`);
        const isList = (op.parameters ?? []).some((p: Json) => p.name === 'cursor');
        if (isList && !(target?.properties?.items?.items?.$ref && target.properties.nextCursor)) {
          problems.push(`${where}: a list whose body is not {items: T[], nextCursor}`);
        }
      } else if (!['text/csv', 'application/zip'].includes(type) || schema.type !== 'string') {
        problems.push(`${where}: unexpected 2xx media ${type}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every operation the error responses its policy, parameters and body can cause', () => {
    // Each controller method's policy, by Nest's default operationId `<Controller>_<method>`.
    const policies = new Map<string, RoutePolicy>();
    // The status each handler answers with (@HttpCode, else Nest's default: 201 for POST, 200 otherwise).
    const httpCodes = new Map<string, number | undefined>();
    for (const mod of t.app.get(ModulesContainer).values()) {
      for (const wrapper of mod.controllers.values()) {
        const proto = (wrapper.metatype as Json).prototype;
        for (const name of Object.getOwnPropertyNames(proto)) {
          const policy = Reflect.getMetadata(POLICY_KEY, proto[name]) as RoutePolicy | undefined;
          if (policy) policies.set(`${(wrapper.metatype as Json).name}_${name}`, policy);
          httpCodes.set(
            `${(wrapper.metatype as Json).name}_${name}`,
            Reflect.getMetadata(HTTP_CODE_METADATA, proto[name]),
          );
        }
      }
    }
    const problems: string[] = [];
    for (const { method, path, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const policy = policies.get(op.operationId);
      if (!policy) {
        problems.push(`${where}: no route policy found for ${op.operationId}`);
        continue;
      }
      const params: Json[] = op.parameters ?? [];
      const need = new Set<string>();
      if (policy.kind !== 'public') ['401', '429'].forEach((s) => need.add(s));
      if (policy.kind === 'roles') need.add('403');
      if (params.some((p) => p.in === 'path')) ['400', '404'].forEach((s) => need.add(s));
      // Public sign-in routes answer every failure with a redirect, never a 400.
      if ((policy.kind !== 'public' && params.some((p) => p.in === 'query')) || op.requestBody)
        need.add('400');
      if (op.requestBody) need.add('413');
      const answers = httpCodes.get(op.operationId) ?? (method === 'post' ? 201 : 200);
      const documented = Object.keys(op.responses).filter((c) => c.startsWith('2') || c === '302');
      if (documented.join() !== (TWO_OK[where] ?? String(answers)))
        problems.push(`${where}: answers ${answers}, documents ${documented.join()}`);
      for (const s of need) if (!op.responses[s]) problems.push(`${where}: no ${s} response`);
      for (const [s, r] of Object.entries(op.responses)) {
        if (Number(s) < 400 || s === '503') continue;
        const schema = (r as Json).content?.['application/json']?.schema;
        const ref = schema?.$ref ?? schema?.allOf?.[0]?.$ref;
        if (ref !== '#/components/schemas/ErrorResponse')
          problems.push(`${where}: ${s} is not the error body`);
      }
      // Bearer token or session cookie; a write with the cookie also needs the CSRF header.
      if (policy.kind !== 'public') {
        const csrf = method === 'get' ? {} : { csrf: [] };
        expect({ where, security: op.security }).toEqual({
          where,
          security: [{ bearer: [] }, { session: [], ...csrf }],
        });
      }
    }
    expect(problems).toEqual([]);
    expect(doc.components.schemas.ErrorResponse.required.sort()).toEqual(['error', 'message', 'statusCode']);
  });

  it('names the code values API.md gives a route', () => {
    const codes = (method: string, path: string, status: string): string[] =>
      doc.paths[path][method].responses[status].content['application/json'].schema.allOf?.[1].properties.code
        .enum ?? [];
    expect(codes('post', '/api/v1/access-requests', '400')).toEqual(
      expect.arrayContaining([
        'not_requestable',
        'not_eligible',
        'duration_exceeds_policy',
        'justification_required',
        'no_account',
      ]),
    );
    expect(codes('post', '/api/v1/access-requests', '409')).toEqual(
      expect.arrayContaining(['already_member', 'request_pending']),
    );
    expect(codes('post', '/api/v1/connections', '400')).toEqual(
      expect.arrayContaining(['bad_credentials', 'wrong_org', 'missing_permission']),
    );
    expect(codes('post', '/api/v1/connections', '502')).toEqual(['unavailable']);
    expect(codes('post', '/api/v1/provisioning-operations/{id}/retry', '409')).toContain('grant_not_waiting');
    expect(codes('get', '/api/v1/campaigns', '400')).toContain('invalid_cursor');
    expect(codes('post', '/api/v1/me/tokens', '403')).toContain('bootstrap_cannot_act');
    expect(codes('get', '/api/v1/audit-events/verify', '429')).toContain('verify_in_progress');
    const csv = doc.paths['/api/v1/campaigns/{id}/report.csv'].get.responses['200'].content;
    expect(Object.keys(csv)).toEqual(['text/csv']);
    expect(Object.keys(doc.paths['/api/v1/campaigns/{id}/launch'].post.responses)).toContain('202');
    expect(Object.keys(doc.paths['/api/v1/connections/{id}'].delete.responses)).toContain('204');
  });

  it.each(Object.keys(RESOURCES))('names only the fields API.md gives a %s', (name) => {
    const r = RESOURCES[name];
    const schema = doc.components.schemas[name];
    expect(schema).toBeDefined();
    const fields = Object.keys(schema.properties);
    const allowed = new Set([...r.fields, ...(r.later ?? []), ...(r.extra ?? [])]);
    expect(fields.filter((f) => !allowed.has(f))).toEqual([]);
    expect(r.fields.filter((f) => !fields.includes(f))).toEqual(r.missing ?? []);
    for (const f of r.extra ?? []) expect(fields).toContain(f);
  });

  it('describes what the server really answers, field for field', async () => {
    const token = admin.token;
    const group = staticGroups(emu, 2)[0];
    const groupId = await localId(db, connectionId, 'directory_groups', group.id);
    // A requester with a directory account outside the group, and a grant approved by the admin.
    const requester = await createPrincipal(t, { email: outsidersOf(emu, group)[0].email });
    expect((await putRequestablePolicy(t, token, groupId, [admin.id])).status).toBe(200);
    const { requestId } = await requestAndApprove(t, requester, admin, groupId);
    const campaign = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, admin.id, { scope: { groupIds: [groupId] }, reviewerIds: [requester.id] }),
    );
    const run = (await t.request('GET', `/api/v1/connections/${connectionId}/syncs`, { token })).body
      .items[0];
    const accountId = (await t.request('GET', '/api/v1/accounts', { token })).body.items[0].id;
    const channel = await t.request('POST', '/api/v1/notification-channels', {
      token,
      body: {
        type: 'webhook',
        name: 'openapi',
        enabled: false,
        config: { url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-of-some-length' },
      },
    });
    expect(channel.status).toBe(201);

    const calls: [string, string, string, string?][] = [
      ['get', '/api/v1/me', '/api/v1/me', requester.token],
      ['get', '/api/v1/principals', '/api/v1/principals'],
      ['get', '/api/v1/connections/{id}', `/api/v1/connections/${connectionId}`],
      ['get', '/api/v1/connections/{id}/syncs', `/api/v1/connections/${connectionId}/syncs`],
      ['get', '/api/v1/syncs/{id}', `/api/v1/syncs/${run.id}`],
      ['get', '/api/v1/accounts', '/api/v1/accounts'],
      ['get', '/api/v1/accounts/{id}', `/api/v1/accounts/${accountId}`],
      ['get', '/api/v1/groups', '/api/v1/groups'],
      ['get', '/api/v1/groups/{id}/members', `/api/v1/groups/${groupId}/members`],
      ['get', '/api/v1/applications', '/api/v1/applications'],
      ['get', '/api/v1/groups/{id}/policy', `/api/v1/groups/${groupId}/policy`],
      ['get', '/api/v1/catalog', '/api/v1/catalog', requester.token],
      ['get', '/api/v1/access-requests/{id}', `/api/v1/access-requests/${requestId}`],
      ['get', '/api/v1/grants', '/api/v1/grants'],
      ['get', '/api/v1/provisioning-operations', '/api/v1/provisioning-operations'],
      ['get', '/api/v1/campaigns/{id}', `/api/v1/campaigns/${campaign.id}`],
      ['get', '/api/v1/campaigns/{id}/items', `/api/v1/campaigns/${campaign.id}/items`],
      ['get', '/api/v1/campaigns/{id}/progress', `/api/v1/campaigns/${campaign.id}/progress?by=reviewer`],
      ['get', '/api/v1/reviews', '/api/v1/reviews', requester.token],
      ['get', '/api/v1/reviews/summary', '/api/v1/reviews/summary', requester.token],
      ['get', '/api/v1/audit-events', '/api/v1/audit-events'],
      ['get', '/api/v1/audit-events/verify', '/api/v1/audit-events/verify'],
      ['get', '/api/v1/audit-events/checkpoint', '/api/v1/audit-events/checkpoint'],
      ['get', '/api/v1/audit-events/public-keys', '/api/v1/audit-events/public-keys'],
      ['get', '/api/v1/notification-channels', '/api/v1/notification-channels'],
      ['get', '/api/v1/notification-channels/{id}', `/api/v1/notification-channels/${channel.body.id}`],
      ['get', '/api/v1/me/notification-preferences', '/api/v1/me/notification-preferences', requester.token],
      ['get', '/health', '/health'],
    ];
    const problems: string[] = [];
    for (const [method, template, url, as] of calls) {
      const res = await t.request(method.toUpperCase(), url, { token: as ?? token });
      if (res.status !== 200) {
        problems.push(`${template}: ${res.status}`);
        continue;
      }
      // A list with nothing in it would prove nothing about its items.
      if (Array.isArray(res.body.items) && res.body.items.length === 0)
        problems.push(`${template}: empty list`);
      for (const p of validatorFor(method, template)(res.body)) problems.push(`${template}: ${p}`);
    }
    // Writes too: what each answers (the status the document gives it) is checked the same way.
    const item = (await t.request('GET', '/api/v1/reviews', { token: requester.token })).body.items[0];
    const writes: [string, string, string, unknown, number, string?][] = [
      [
        'post',
        '/api/v1/campaigns/preview',
        '/api/v1/campaigns/preview',
        campaignBody(connectionId, admin.id, { reviewerIds: [requester.id] }),
        200,
      ],
      ['post', '/api/v1/me/tokens', '/api/v1/me/tokens', { name: 'openapi' }, 201, requester.token],
      [
        'post',
        '/api/v1/principals',
        '/api/v1/principals',
        { email: `openapi.${Date.now()}@example.com` },
        201,
      ],
      [
        'post',
        '/api/v1/reviews/decisions',
        '/api/v1/reviews/decisions',
        { decisions: [{ itemId: item.id, decision: 'keep' }] },
        200,
        requester.token,
      ],
      [
        'post',
        '/api/v1/review-items/{id}/decision',
        `/api/v1/review-items/${item.id}/decision`,
        { decision: 'keep' },
        200,
        requester.token,
      ],
      ['post', '/api/v1/connections/{id}/syncs', `/api/v1/connections/${connectionId}/syncs`, undefined, 202],
      ['post', '/api/v1/audit-events/verify', '/api/v1/audit-events/verify', { checkpoints: [] }, 200],
      [
        'post',
        '/api/v1/notification-channels/{id}/test',
        `/api/v1/notification-channels/${channel.body.id}/test`,
        undefined,
        200,
      ],
    ];
    for (const [method, template, url, body, status, as] of writes) {
      const res = await t.request(method.toUpperCase(), url, { token: as ?? token, body });
      if (res.status !== status) {
        problems.push(`${method} ${template}: ${res.status} ${res.text}`);
        continue;
      }
      for (const p of validatorFor(method, template)(res.body)) problems.push(`${method} ${template}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('fails the check when a response carries a field the document does not name', () => {
    // The check above can fail: an undocumented field is refused.
    const validate = validatorFor('get', '/api/v1/me');
    const me = {
      id: '00000000-0000-4000-8000-000000000001',
      email: 'a@example.com',
      displayName: null,
      roles: [],
      disabled: false,
      kind: 'person',
      createdAt: new Date().toISOString(),
      accounts: [],
    };
    expect(validate(me)).toEqual([]);
    expect(validate({ ...me, secret: 'x' }).join()).toMatch(/additional properties/);
    expect(validate({ ...me, roles: ['root'] }).join()).toMatch(/allowed values/);
    const { email: _email, ...withoutEmail } = me;
    expect(validate(withoutEmail).join()).toMatch(/required property 'email'/);
    expect(validate({ ...me, email: null }).join()).toMatch(/must be string/);
  });
});

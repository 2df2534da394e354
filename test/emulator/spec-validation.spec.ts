import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { JumpCloudClient } from '../../src/jumpcloud';

/**
 * The emulator's responses checked against JumpCloud's own OpenAPI definitions (copies in
 * test/fixtures/jumpcloud-spec, verified by sha256 against ../shared/jumpcloud/spec/SOURCE.txt),
 * with every `$ref` resolved by ajv. A second check reports properties the spec does not declare,
 * which plain JSON Schema allows but would mean the emulator invents fields.
 */

const DIR = join(__dirname, '..', 'fixtures', 'jumpcloud-spec');
const manifest = JSON.parse(readFileSync(join(DIR, 'MANIFEST.json'), 'utf8')) as {
  files: Record<string, { sha256: string }>;
};

type Schema = Record<string, unknown>;

function read(name: string): Buffer {
  return readFileSync(join(DIR, name));
}

/** Swagger 2 / OpenAPI 3 schema dialect → JSON Schema: `x-nullable` / `nullable` become a null type. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'example' || k === 'x-ms-enum' || k === 'discriminator') continue;
    out[k] = k === 'properties' ? mapValues(v as Schema, toJsonSchema) : toJsonSchema(v);
  }
  if (src['x-nullable'] === true || src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

function mapValues(o: Schema, f: (v: unknown) => unknown): Schema {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

let v1: { definitions: Schema };
let v2: { definitions: Schema };
let oas1: { components: { schemas: Schema } };
let ajv: Ajv;
let emu: RunningEmulator;

function validator(ref: string): ValidateFunction {
  return ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
}

function resolve(ref: string): Schema {
  const [doc, pointer] = ref.split('#');
  const root = doc === 'v1' ? v1 : doc === 'v2' ? v2 : oas1;
  let cur: unknown = root;
  for (const part of (pointer ?? '').split('/').filter(Boolean)) cur = (cur as Schema)[part];
  if (cur === undefined) throw new Error(`unresolved ${ref}`);
  return cur as Schema;
}

/** Paths of properties present in `value` that `schema` does not declare (through $ref and allOf). */
function undeclared(schema: Schema, value: unknown, doc: string, at = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref.startsWith('#') ? `${doc}${schema.$ref}` : schema.$ref;
    return undeclared(resolve(ref), value, doc, at);
  }
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.flatMap((v, i) => undeclared(items, v, doc, `${at}[${i}]`)) : [];
  }
  const parts: Schema[] = [schema, ...((schema.allOf as Schema[] | undefined) ?? [])].map((s) =>
    typeof s.$ref === 'string' ? resolve(`${doc}${s.$ref}`) : s,
  );
  if (parts.some((p) => p.additionalProperties === true || typeof p.additionalProperties === 'object'))
    return [];
  const props: Schema = Object.assign(
    {},
    ...parts.map((p) => (p.properties as Schema | undefined) ?? {}),
  ) as Schema;
  if (Object.keys(props).length === 0) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Schema)) {
    const sub = props[k] as Schema | undefined;
    if (sub === undefined) out.push(`${at}.${k}`);
    else out.push(...undeclared(sub, v, doc, `${at}.${k}`));
  }
  return out;
}

function expectValid(ref: string, body: unknown): void {
  const validate = validator(ref);
  const ok = validate(body);
  if (!ok) throw new Error(`${ref}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  const [doc, pointer] = ref.split('#');
  expect(undeclared(resolve(ref), body, doc ?? '')).toEqual([]);
  expect(pointer).toBeDefined();
}

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${emu.apiUrl}${path}`, {
    headers: { 'x-api-key': emu.credentials.apiKey, ...headers },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

beforeAll(async () => {
  v1 = {
    definitions: mapValues(
      JSON.parse(read('jumpcloud-v1.json').toString('utf8')).definitions as Schema,
      toJsonSchema,
    ),
  };
  v2 = {
    definitions: mapValues(
      JSON.parse(read('jumpcloud-v2.json').toString('utf8')).definitions as Schema,
      toJsonSchema,
    ),
  };
  const oas = parseYaml(read('jumpcloud-v1.oas3-2023-05.yaml').toString('utf8')) as {
    components: { schemas: Schema };
  };
  oas1 = { components: { schemas: mapValues(oas.components.schemas, toJsonSchema) } };
  ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) ajv.addFormat(f, true);
  ajv.addSchema({ $id: 'v1', ...v1 });
  ajv.addSchema({ $id: 'v2', ...v2 });
  ajv.addSchema({ $id: 'oas1', ...oas1 });
  emu = await startEmulator({
    seed: 5,
    sizes: { users: 60, groups: 15, membershipsPerUser: 3, admins: 8, apps: 6 },
  });
});

afterAll(async () => {
  await emu?.close();
});

describe('spec fixtures', () => {
  it.each(Object.entries(manifest.files))(
    '%s matches the sha256 recorded in SOURCE.txt',
    (name, { sha256 }) => {
      expect(createHash('sha256').update(read(name)).digest('hex')).toBe(sha256);
    },
  );

  it('the manifest lists the three spec copies the tests read', () => {
    expect(Object.keys(manifest.files).sort()).toEqual([
      'jumpcloud-v1.json',
      'jumpcloud-v1.oas3-2023-05.yaml',
      'jumpcloud-v2.json',
    ]);
  });

  it('the validator rejects what the spec forbids (the check can fail)', () => {
    expect(validator('v1#/definitions/systemuserreturn')({ _id: 'x', state: 'DELETED' })).toBe(false);
    expect(validator('v2#/definitions/UserGroup')({ id: 'x', membershipMethod: 'SOMETIMES' })).toBe(false);
    expect(validator('v2#/definitions/GraphConnection')({ from: { id: 'a', type: 'user_group' } })).toBe(
      false,
    );
    expect(undeclared(resolve('v2#/definitions/UserGroup'), { id: 'x', invented: 1 }, 'v2')).toEqual([
      '$.invented',
    ]);
  });
});

describe('v1 responses', () => {
  it('GET /systemusers pages are systemuserslist, every user a systemuserreturn', async () => {
    for (const skip of [0, 50]) {
      const r = await get(`/systemusers?limit=50&skip=${skip}&sort=_id`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expectValid('v1#/definitions/systemuserslist', r.body);
    }
    const one = await get(`/systemusers/${emu.emulator.store.users[3].id}`);
    expectValid('v1#/definitions/systemuserreturn', one.body);
  });

  it('GET /users (administrators) results are userreturn', async () => {
    const r = await get('/users?limit=100');
    const body = r.body as { totalCount: number; results: unknown[] };
    expect(Object.keys(body).sort()).toEqual(['results', 'totalCount']);
    expect(body.totalCount).toBe(8);
    expect(body.results).toHaveLength(8);
    for (const a of body.results) expectValid('v1#/definitions/userreturn', a);
  });

  it('GET /applications is applicationslist; GET /applications/{id} is application', async () => {
    const r = await get('/applications?limit=100');
    expectValid('v1#/definitions/applicationslist', r.body);
    const id = (r.body as { results: { _id: string }[] }).results[0]._id;
    expectValid('v1#/definitions/application', (await get(`/applications/${id}`)).body);
  });

  it('GET /organizations is organizationslist; GET /organizations/{id} is organization', async () => {
    expectValid('v1#/definitions/organizationslist', (await get('/organizations')).body);
    expectValid('v1#/definitions/organization', (await get(`/organizations/${emu.credentials.orgId}`)).body);
  });
});

describe('v2 responses', () => {
  it('GET /v2/usergroups items and GET /v2/usergroups/{id} are UserGroup', async () => {
    const r = await get('/v2/usergroups?limit=100');
    const groups = r.body as { id: string; membershipMethod: string }[];
    expect(groups).toHaveLength(15);
    expect(r.headers.get('x-total-count')).toBe('15');
    for (const g of groups) expectValid('v2#/definitions/UserGroup', g);
    expect(new Set(groups.map((g) => g.membershipMethod)).size).toBeGreaterThan(1);
    expectValid('v2#/definitions/UserGroup', (await get(`/v2/usergroups/${groups[0].id}`)).body);
  });

  it('members, membership and memberof are GraphConnection / GraphObjectWithPaths', async () => {
    const g = emu.emulator.store.groups[0];
    const members = (await get(`/v2/usergroups/${g.id}/members?limit=100`)).body as unknown[];
    expect(members.length).toBe(g.size);
    for (const m of members) expectValid('v2#/definitions/GraphConnection', m);
    const membership = (await get(`/v2/usergroups/${g.id}/membership?limit=100`)).body as unknown[];
    expect(membership.length).toBe(g.size);
    for (const m of membership) expectValid('v2#/definitions/GraphObjectWithPaths', m);
    const user = emu.emulator.store.users[g.members[0]];
    const memberOf = (await get(`/v2/users/${user.id}/memberof`)).body as unknown[];
    expect(memberOf.length).toBeGreaterThan(0);
    for (const m of memberOf) expectValid('v2#/definitions/GraphObjectWithPaths', m);
  });

  it('application associations and usergroups are GraphConnection / GraphObjectWithPaths', async () => {
    // An application bound to users as well as groups, so both kinds of edge are validated.
    const app = emu.emulator.store.apps.find((a) => a.users.length > 0 && a.groups.length > 0)!;
    expect(app).toBeDefined();
    for (const targets of ['user_group', 'user'] as const) {
      const list = (await get(`/v2/applications/${app.id}/associations?targets=${targets}`))
        .body as unknown[];
      expect(list.length).toBe(targets === 'user' ? app.users.length : app.groups.length);
      for (const m of list) expectValid('v2#/definitions/GraphConnection', m);
    }
    const groups = (await get(`/v2/applications/${app.id}/usergroups`)).body as unknown[];
    expect(groups.length).toBe(app.groups.length);
    for (const m of groups) expectValid('v2#/definitions/GraphObjectWithPaths', m);
  });

  it('the membership write bodies the client sends are GraphOperation-UserGroup-Member, answered 204', async () => {
    const store = emu.emulator.store;
    const g = store.groups.find((x) => x.membershipMethod === 'STATIC')!;
    const u = store.users.find((_, slot) => !store.isMember(store.groupSlot(g.id)!, slot))!;
    const client = new JumpCloudClient({
      orgId: emu.credentials.orgId,
      credentials: { type: 'api_key', apiKey: emu.credentials.apiKey },
      apiUrl: emu.apiUrl,
    });
    const since = emu.emulator.lastSeq;
    expect(await client.addUserToGroup(g.id, u.id)).toBe('added');
    expect(await client.removeUserFromGroup(g.id, u.id)).toBe('removed');
    const writes = emu.emulator.requests({ since }).filter((e) => e.method === 'POST');
    expect(writes.map((e) => e.status)).toEqual([204, 204]);
    expect(writes.map((e) => (e.body as { op: string }).op)).toEqual(['add', 'remove']);
    for (const w of writes) expectValid('v2#/definitions/GraphOperation-UserGroup-Member', w.body);
    expect(
      validator('v2#/definitions/GraphOperation-UserGroup-Member')({
        op: 'add',
        type: 'user_group',
        id: u.id,
      }),
    ).toBe(false);
  });
});

describe('error bodies are the 2023 spec Error', () => {
  it.each([
    ['401 bad key', () => get('/systemusers', { 'x-api-key': 'jca_wrong' }), 401],
    ['401 wrong org', () => get('/systemusers', { 'x-org-id': 'bbbbbbbbbbbbbbbbbbbbbbbb' }), 401],
    ['403 org header on org endpoint', () => get('/organizations', { 'x-org-id': 'whatever' }), 403],
    ['404 unknown group', () => get('/v2/usergroups/cccccccccccccccccccccccc'), 404],
    ['400 limit above 100', () => get('/v2/usergroups?limit=101'), 400],
  ] as const)('%s', async (_name, call, status) => {
    const r = await call();
    expect(r.status).toBe(status);
    expectValidError(r.body);
  });

  it('409, 429 and 500 too', async () => {
    const g = emu.emulator.store.groups.find((x) => x.membershipMethod === 'STATIC' && x.size > 0)!;
    const member = emu.emulator.store.users[g.members[0]];
    const res = await fetch(`${emu.apiUrl}/v2/usergroups/${g.id}/members`, {
      method: 'POST',
      headers: { 'x-api-key': emu.credentials.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'add', type: 'user', id: member.id }),
    });
    expect(res.status).toBe(409);
    expectValidError(await res.json());
    emu.emulator.addFault({ kind: 'rate_limit', count: 1 });
    emu.emulator.addFault({ kind: 'server_error', count: 1 });
    const limited = await get('/systemusers');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expectValidError(limited.body);
    const failed = await get('/systemusers');
    expect(failed.status).toBe(500);
    expectValidError(failed.body);
  });
});

function expectValidError(body: unknown): void {
  const validate = validator('oas1#/components/schemas/Error');
  expect(validate(body)).toBe(true);
  // The real API's shape (API-NOTES §4): `error` and `message` strings.
  expect(body).toEqual({ error: expect.any(String), message: expect.any(String) });
}

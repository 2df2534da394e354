import type { Json } from './shapes';

/**
 * Query handling shared by list endpoints: limit/skip exactly as JumpCloud documents them, and the
 * v1 (`field:$op:value`, space-separated sort/fields) and v2 (`field:op:value`, comma-separated)
 * dialects of filter, sort and fields (API-NOTES §3a/§3b).
 */

export type Query = Record<string, string | string[] | undefined>;

export class BadRequest extends Error {}

export const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;

function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function all(q: Query, key: string): string[] {
  const v = q[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s !== '');
}

/** limit defaults to 10 and may not exceed 100 (API-NOTES §4: the emulator answers 400 above it). */
export function pageParams(q: Query): { limit: number; skip: number } {
  const l = one(q, 'limit');
  const s = one(q, 'skip');
  let limit = DEFAULT_LIMIT;
  if (l !== undefined && l !== '') {
    if (!/^\d+$/.test(l)) throw new BadRequest('limit must be a non-negative integer');
    limit = parseInt(l, 10);
    if (limit > MAX_LIMIT) throw new BadRequest(`limit must not exceed ${MAX_LIMIT}`);
    // limit=0 means "the default", as a zero Mongo limit would otherwise mean "everything".
    if (limit === 0) limit = DEFAULT_LIMIT;
  }
  let skip = 0;
  if (s !== undefined && s !== '') {
    if (!/^\d+$/.test(s)) throw new BadRequest('skip must be a non-negative integer');
    skip = parseInt(s, 10);
  }
  return { limit, skip };
}

type Dialect = 1 | 2;

interface Filter {
  field: string;
  op: string;
  value: string;
}

const V1_OPS: Record<string, string> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'ge',
  $lt: 'lt',
  $lte: 'le',
};
const V2_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'search', 'in']);

/**
 * Graph listings (`/usergroups/{id}/membership`, `/users/{id}/memberof`) name their filter fields
 * `object_id` and `type` (the spec's "Valid filter fields"); `object_id` is the listed object's `id`.
 */
export interface FilterFields {
  allowed: readonly string[];
  aliases?: Record<string, string>;
}

export const GRAPH_FILTER_FIELDS: FilterFields = {
  allowed: ['object_id', 'type'],
  aliases: { object_id: 'id' },
};

function parseFilters(q: Query, dialect: Dialect, fields?: FilterFields): Filter[] {
  return all(q, 'filter').map((raw) => {
    const a = raw.indexOf(':');
    const b = a < 0 ? -1 : raw.indexOf(':', a + 1);
    if (a <= 0 || b < 0) throw new BadRequest(`invalid filter ${JSON.stringify(raw)}`);
    const field = raw.slice(0, a);
    const rawOp = raw.slice(a + 1, b);
    const value = raw.slice(b + 1);
    const op = dialect === 1 ? V1_OPS[rawOp] : V2_OPS.has(rawOp) ? rawOp : undefined;
    if (op === undefined) throw new BadRequest(`invalid filter operator ${JSON.stringify(rawOp)}`);
    if (fields === undefined) return { field, op, value };
    if (!fields.allowed.includes(field)) {
      throw new BadRequest(
        `filter field ${JSON.stringify(field)} is not one of ${fields.allowed.join(', ')}`,
      );
    }
    return { field: fields.aliases?.[field] ?? field, op, value };
  });
}

function get(obj: Json, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A field value as text for comparison; objects compare by their JSON. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return `${v}`;
  return JSON.stringify(v) ?? '';
}

function coerce(v: unknown, literal: string): [unknown, unknown] {
  if (typeof v === 'number') return [v, Number(literal)];
  if (typeof v === 'boolean') return [v, literal === 'true'];
  return [text(v), literal];
}

function matches(obj: Json, f: Filter): boolean {
  const v = get(obj, f.field);
  if (f.op === 'in') return f.value.split('|').some((x) => coerce(v, x)[0] === coerce(v, x)[1]);
  if (f.op === 'search') return text(v).includes(f.value.replace(/\*/g, ''));
  const [a, b] = coerce(v, f.value);
  switch (f.op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return (a as number) > (b as number);
    case 'ge':
      return (a as number) >= (b as number);
    case 'lt':
      return (a as number) < (b as number);
    case 'le':
      return (a as number) <= (b as number);
    default:
      return false;
  }
}

function sortKeys(q: Query, dialect: Dialect, fallback: string): { field: string; desc: boolean }[] {
  const raw = one(q, 'sort') ?? fallback;
  return raw
    .split(dialect === 1 ? /[\s,]+/ : /[,\s]+/)
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('-') ? { field: s.slice(1), desc: true } : { field: s, desc: false }));
}

function project(obj: Json, fields: string[], idKey: string): Json {
  const out: Json = { [idKey]: obj[idKey] };
  for (const f of fields) if (f in obj) out[f] = obj[f];
  return out;
}

/**
 * Pages a collection held in id order. Without filter and with the natural sort (none, or by id)
 * only the requested page is serialised, which keeps large listings fast.
 */
export function listPage<T>(
  q: Query,
  dialect: Dialect,
  items: readonly T[],
  serialise: (item: T) => Json,
  opts: { defaultSort?: string; filterFields?: FilterFields } = {},
): { total: number; page: Json[] } {
  const { limit, skip } = pageParams(q);
  const idKey = dialect === 1 ? '_id' : 'id';
  const filters = parseFilters(q, dialect, opts.filterFields);
  const keys = sortKeys(q, dialect, opts.defaultSort ?? '');
  const fieldsRaw = one(q, 'fields') ?? '';
  const fields = fieldsRaw.split(dialect === 1 ? /[\s,]+/ : /[,\s]+/).filter((s) => s !== '');
  const natural = keys.length === 0 || (keys.length === 1 && keys[0]?.field === idKey);
  let page: Json[];
  let total: number;
  if (filters.length === 0 && natural) {
    total = items.length;
    const desc = keys[0]?.desc === true;
    const slice = desc
      ? items.slice(Math.max(0, items.length - skip - limit), Math.max(0, items.length - skip)).reverse()
      : items.slice(skip, skip + limit);
    page = slice.map(serialise);
  } else {
    let objs = items.map(serialise).filter((o) => filters.every((f) => matches(o, f)));
    if (keys.length > 0) {
      objs = objs.sort((x, y) => {
        for (const k of keys) {
          const a = get(x, k.field);
          const b = get(y, k.field);
          const as = typeof a === 'number' ? a : text(a);
          const bs = typeof b === 'number' ? b : text(b);
          if (as < bs) return k.desc ? 1 : -1;
          if (as > bs) return k.desc ? -1 : 1;
        }
        return 0;
      });
    }
    total = objs.length;
    page = objs.slice(skip, skip + limit);
  }
  if (fields.length > 0) page = page.map((o) => project(o, fields, idKey));
  return { total, page };
}

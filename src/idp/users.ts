import { readFile } from 'node:fs/promises';
import { type IdpUser, validateUsers } from './options';

export async function usersFromFile(path: string): Promise<IdpUser[]> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  return validateUsers(parsed);
}

interface SystemUser {
  _id?: unknown;
  email?: unknown;
  displayname?: unknown;
  firstname?: unknown;
  lastname?: unknown;
  username?: unknown;
  state?: unknown;
  activated?: unknown;
  suspended?: unknown;
}

const PAGE = 100;

/**
 * The users JumpCloud's own SSO would let sign in: every activated, unsuspended system user, listed
 * with `GET {base}/systemusers` (v1 paging: limit ≤ 100, skip, sort=_id so pages neither miss nor repeat).
 * `sub` is the JumpCloud user id, as in JumpCloud's id_tokens; all share one password.
 */
export async function usersFromJumpCloud(
  baseUrl: string,
  apiKey: string,
  password: string,
): Promise<IdpUser[]> {
  const base = baseUrl.replace(/\/+$/, '');
  const users: IdpUser[] = [];
  for (let skip = 0; ;) {
    const url = `${base}/systemusers?limit=${PAGE}&skip=${skip}&sort=_id`;
    const res = await fetch(url, { headers: { 'x-api-key': apiKey, accept: 'application/json' } });
    // The key is never echoed: the status and JumpCloud's message say enough.
    if (!res.ok)
      throw new Error(`GET ${base}/systemusers answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { totalCount?: unknown; results?: unknown };
    const page = Array.isArray(body.results) ? (body.results as SystemUser[]) : [];
    for (const u of page) {
      const user = toIdpUser(u, password);
      if (user) users.push(user);
    }
    skip += page.length;
    if (page.length < PAGE || (typeof body.totalCount === 'number' && skip >= body.totalCount)) break;
  }
  return validateUsers(users);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function toIdpUser(u: SystemUser, password: string): IdpUser | null {
  const active =
    u.state !== undefined ? u.state === 'ACTIVATED' : u.activated === true && u.suspended !== true;
  const sub = str(u._id);
  const email = str(u.email);
  if (!active || !sub || !email) return null;
  const name =
    str(u.displayname) ||
    [str(u.firstname), str(u.lastname)].filter(Boolean).join(' ') ||
    str(u.username) ||
    email;
  return { sub, email, email_verified: true, name, password };
}

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type RunningEmulator, type StartEmulatorOptions } from '../../src/emulator';
import { startApp, type TestApp } from './app';
import { createConnection, emulatorEnv, startTestEmulator, syncNow } from './jumpcloud';
import { type Browser, signIn, type SignInResult, startIdp, type TestIdp } from './oidc';
import { freePort } from './processes';

/** A person of the emulated directory who can sign in at the provider. */
export interface Person {
  /** The JumpCloud user id: also the provider's `sub`. */
  sub: string;
  email: string;
}

/**
 * The sign-in world of these specs: an emulated JumpCloud organisation with role groups and named
 * people, a real OpenID provider process whose users are that organisation's people (plus one
 * stranger the directory does not know), and the app configured for both, after a first sync.
 */
export interface SignInOrg {
  emu: RunningEmulator;
  idp: TestIdp;
  t: TestApp;
  db: Client;
  connectionId: string;
  password: string;
  adminGroup: string;
  auditorGroup: string;
  /** People created for the spec by name (active, outside every role group unless `admins`/`auditors`). */
  people: Record<string, Person>;
  /** Known to the provider only. */
  stranger: Person;
  /** The JumpCloud ids of the groups `groups` asked for, by name. */
  groups: Record<string, string>;
}

export async function startSignInOrg(
  opts: {
    names?: string[];
    admins?: string[];
    auditors?: string[];
    /** Static groups to create, by name, with these people as members. */
    groups?: Record<string, string[]>;
    env?: Record<string, string>;
    /** The emulated organisation's seed and sizes (startTestEmulator's defaults otherwise). */
    emulator?: StartEmulatorOptions;
  } = {},
): Promise<SignInOrg> {
  const started: Partial<SignInOrg> = {};
  try {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const emu = (started.emu = await startTestEmulator(opts.emulator));
    const tag = randomBytes(3).toString('hex');
    const adminGroup = emu.emulator.createGroup({ name: `jumpgate-admins-${tag}` });
    const auditorGroup = emu.emulator.createGroup({ name: `jumpgate-auditors-${tag}` });
    const people: Record<string, Person> = {};
    const names = [...new Set([...(opts.names ?? []), ...(opts.admins ?? []), ...(opts.auditors ?? [])])];
    for (const name of names) {
      const email = `${name}.${tag}@signin.example.com`;
      const sub = emu.emulator.createUser({
        firstname: name,
        lastname: tag,
        email,
        username: `${name}.${tag}`,
      });
      people[name] = { sub, email };
    }
    for (const name of opts.admins ?? []) emu.emulator.externalAddMember(adminGroup, people[name].sub);
    for (const name of opts.auditors ?? []) emu.emulator.externalAddMember(auditorGroup, people[name].sub);
    const groups: Record<string, string> = {};
    for (const [name, members] of Object.entries(opts.groups ?? {})) {
      groups[name] = emu.emulator.createGroup({ name: `${name}-${tag}` });
      for (const m of members) emu.emulator.externalAddMember(groups[name], people[m].sub);
    }
    const password = `pw-${tag}`;
    const stranger = { sub: `stranger-${tag}`, email: `stranger.${tag}@elsewhere.example.com` };
    const users = [
      ...emu.emulator.store.users
        .filter((u) => !u.deleted)
        .map((u) => ({ sub: u.id, email: u.email, name: u.displayname, password })),
      { ...stranger, name: 'A stranger', password },
    ];
    const idp = (started.idp = await startIdp({ users, redirectUri: `${publicUrl}/auth/callback` }));
    const t = (started.t = await startApp(
      emulatorEnv(emu, {
        PUBLIC_URL: publicUrl,
        OIDC_ISSUER_URL: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret,
        ADMIN_GROUPS: adminGroup,
        AUDITOR_GROUPS: auditorGroup,
        ...opts.env,
      }),
      { port },
    ));
    const db = (started.db = new Client({ connectionString: t.databaseUrl }));
    await db.connect();
    const connectionId = (await createConnection(t, emu)).id;
    await syncNow(t, connectionId);
    return { emu, idp, t, db, connectionId, password, adminGroup, auditorGroup, people, stranger, groups };
  } catch (err) {
    await stopSignInOrg(started);
    throw err;
  }
}

export async function stopSignInOrg(org: Partial<SignInOrg>): Promise<void> {
  await org.db?.end();
  await org.t?.close();
  await org.idp?.stop();
  await org.emu?.close();
}

/** Signs a person in through the provider with a fresh browser (or `jar`). */
export function signInAs(
  org: SignInOrg,
  who: Person,
  options: { returnTo?: string; jar?: Browser } = {},
): Promise<SignInResult> {
  return signIn(org.t.url, { email: who.email, password: org.password }, options);
}

export interface BrowserResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
  body: any;
}

/**
 * A request from the signed-in browser: its cookies, and on writes the X-CSRF-Token header read from
 * its `jg_csrf` cookie, as the web app sends it (`csrf: false` leaves it out).
 */
export async function browserRequest(
  org: SignInOrg,
  jar: Browser,
  method: string,
  path: string,
  opts: { body?: unknown; csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<BrowserResult> {
  const url = org.t.url + path;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.csrf !== false && method !== 'GET') {
    const csrf = await jar.cookie(url, 'jg_csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const res = await jar.request(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
  };
}

/** Signs in and fails the test unless the sign-in landed on `returnTo` (default `/`). */
export async function signedIn(org: SignInOrg, who: Person, returnTo?: string): Promise<Browser> {
  const r = await signInAs(org, who, { returnTo });
  if (r.finalLocation !== (returnTo ?? '/')) {
    throw new Error(`sign-in of ${who.email} ended at ${r.finalLocation} (status ${r.status})`);
  }
  return r.jar;
}

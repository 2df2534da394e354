import { type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { signIn } from '../helpers/oidc';
import { freePort, ROOT } from '../helpers/processes';
import { startTinyRp, type TinyRp } from './tiny-rp';

// scripts/demo-signin.js is plain JavaScript run by `npm run demo`; required here as the demo does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const demoSignIn = require('../../scripts/demo-signin.js');

// The demo organisation of scripts/demo.js (seed 42).
const DEMO_ORG = { users: 200, groups: 20, membershipsPerUser: 3, admins: 5, apps: 4 };

interface SeededUser {
  _id: string;
  email: string;
  state: string;
  manager?: string;
  displayname: string;
}

describe('npm run demo: sign-in through the local OpenID provider', () => {
  let emu: RunningEmulator;
  let rp: TinyRp;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jumpgate-demo-signin-'));
    rp = await startTinyRp();
  });
  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
    }
    await emu?.close();
    await rp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function demoSetUp(idpPort: number) {
    // One demo at a time, as runs are: the provider's fixed port is free again for the next.
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
    }
    await emu?.close();
    emu = await startEmulator({ port: 0, seed: 42, sizes: DEMO_ORG });
    const started = await demoSignIn.startSignIn({
      root: ROOT,
      // The tiny relying party stands where the server would: PUBLIC_URL is its URL.
      baseUrl: rp.url,
      idpPort,
      emulator: {
        info: { controlUrl: `${emu.url}/__emulator`, apiUrl: emu.apiUrl, credentials: emu.credentials },
      },
      logFile: join(dir, 'idp.log'),
      idpCommand: {
        entry: join(ROOT, 'src/idp/main.ts'),
        nodeArgs: ['-r', 'ts-node/register/transpile-only'],
        env: { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      },
    });
    children.push(started.child);
    return started;
  }

  it('adds a jumpgate-admins group, picks its example people from the seed, and lets them sign in', async () => {
    const s = await demoSetUp(await freePort());
    await rp.configure({
      issuer: s.issuer,
      clientId: 'jumpgate-demo',
      clientSecret: s.serverEnv.OIDC_CLIENT_SECRET,
    });
    const users = (await (await fetch(`${emu.url}/__emulator/state/users`)).json()) as SeededUser[];
    const byId = new Map(users.map((u) => [u._id, u]));

    // The server is configured as for any identity provider.
    expect(s.serverEnv).toEqual({
      PUBLIC_URL: rp.url,
      OIDC_ISSUER_URL: s.issuer,
      OIDC_CLIENT_ID: 'jumpgate-demo',
      OIDC_CLIENT_SECRET: expect.stringMatching(/^[\w-]{43}$/),
      ADMIN_GROUPS: s.adminGroup.id,
    });
    const groups = (await (await fetch(`${emu.url}/__emulator/state/groups`)).json()) as {
      _id?: string;
      id?: string;
      name: string;
    }[];
    expect(groups.filter((g) => g.name === 'jumpgate-admins')).toHaveLength(1);
    const members = (await (
      await fetch(`${emu.url}/__emulator/state/groups/${s.adminGroup.id}/members`)
    ).json()) as string[];
    expect(members.sort()).toEqual(s.people.admins.map((u: SeededUser) => u._id).sort());

    // The examples are who the demo says they are.
    const { manager, employee, admins } = s.people;
    expect(byId.get(manager._id)?.state).toBe('ACTIVATED');
    const reports = users.filter((u) => u.manager === manager._id && u.state === 'ACTIVATED');
    expect(reports.length).toBe(s.people.reports);
    expect(reports.length).toBeGreaterThan(0);
    expect(byId.get(employee._id)?.state).toBe('ACTIVATED');
    expect(users.some((u) => u.manager === employee._id && u.state === 'ACTIVATED')).toBe(false);
    for (const a of admins) expect(byId.get(a._id)?.state).toBe('ACTIVATED');
    expect(new Set([manager._id, employee._id, ...admins.map((a: SeededUser) => a._id)]).size).toBe(4);

    // Each signs in with the printed password, as the JumpCloud user they are.
    for (const person of [manager, employee, admins[0]]) {
      const result = await signIn(rp.url, { email: person.email, password: s.password });
      expect(result.finalLocation).toBe('/');
      expect(rp.callbacks[rp.callbacks.length - 1].claims).toMatchObject({
        sub: person._id,
        email: person.email,
      });
    }
    const suspended = users.find((u) => u.state === 'SUSPENDED') as SeededUser;
    await expect(signIn(rp.url, { email: suspended.email, password: s.password })).rejects.toMatchObject({
      status: 401,
    });

    // The demo's provider has no test controls.
    expect((await fetch(`${s.issuer}/__idp/next-id-token`)).status).toBe(404);

    // What the demo prints: where to sign in, the password and the three people; never the client secret.
    const lines: string[] = [];
    demoSignIn.printSignIn((l: string) => lines.push(l), s, {
      baseUrl: rp.url,
      served: true,
      logFile: 'idp.log',
    });
    const printed = lines.join('\n');
    expect(printed).toContain(`${rp.url}/auth/login`);
    expect(printed).toContain(s.password);
    for (const person of [manager, employee, admins[0]]) expect(printed).toContain(person.email);
    expect(printed).toContain(`ADMIN_GROUPS=${s.adminGroup.id}`);
    expect(printed).not.toContain(s.serverEnv.OIDC_CLIENT_SECRET);
    expect(await readFile(join(dir, 'idp.log'), 'utf8')).not.toContain(s.serverEnv.OIDC_CLIENT_SECRET);
  });

  it('a new run (a fresh emulator, same seed) keeps the issuer, the admin group id and the people, with a new password', async () => {
    const idpPort = await freePort();
    const first = await demoSetUp(idpPort);
    const second = await demoSetUp(idpPort);
    // The same issuer every run: a person bound to it at one run signs in again at the next.
    expect(first.issuer).toBe(`http://127.0.0.1:${idpPort}`);
    expect(second.issuer).toBe(first.issuer);
    expect(second.adminGroup.id).toBe(first.adminGroup.id);
    expect(second.people.manager._id).toBe(first.people.manager._id);
    expect(second.people.admins.map((a: SeededUser) => a._id)).toEqual(
      first.people.admins.map((a: SeededUser) => a._id),
    );
    expect(second.password).not.toBe(first.password);
    expect(second.serverEnv.OIDC_CLIENT_SECRET).not.toBe(first.serverEnv.OIDC_CLIENT_SECRET);
  });
});

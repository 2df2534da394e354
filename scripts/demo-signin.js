// Sign-in for `npm run demo`: the local OpenID provider (src/idp) as its own process, whose users are
// the demo organisation's (read through the emulator's JumpCloud API, as JumpCloud's own SSO knows
// them), a "jumpgate-admins" group in the demo organisation whose members become admins, and three
// people picked from the seeded data to sign in as. The server is only given the environment any
// installation would set (PUBLIC_URL, OIDC_*, ADMIN_GROUPS): nothing in it knows this is a demo.
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { startAnnouncingChild } = require('./demo-children');

const ADMIN_GROUP_NAME = 'jumpgate-admins';
const CLIENT_ID = 'jumpgate-demo';

async function control(controlUrl, method, route, body) {
  const res = await fetch(`${controlUrl}${route}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`emulator ${method} ${route} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/**
 * From the seeded users: the active manager with the most active direct reports (their reports'
 * memberships become that manager's review items when a campaign runs), an active employee who
 * manages nobody, and two active people, preferably from IT, for the admin group.
 */
function pickPeople(users) {
  const active = users.filter((u) => u.state === 'ACTIVATED');
  const reports = new Map();
  for (const u of active) if (u.manager) reports.set(u.manager, (reports.get(u.manager) ?? 0) + 1);
  const manager = active
    .filter((u) => reports.has(u._id))
    .sort((a, b) => reports.get(b._id) - reports.get(a._id))[0];
  const taken = new Set(manager ? [manager._id] : []);
  const employee = active.find((u) => !reports.has(u._id) && u.manager && !taken.has(u._id));
  if (employee) taken.add(employee._id);
  const candidates = active.filter((u) => !taken.has(u._id));
  const admins = [...candidates.filter((u) => u.department === 'IT'), ...candidates].slice(0, 2);
  if (!manager || !employee || admins.length < 2)
    throw new Error('the demo organisation has too few active people to pick examples from');
  return { manager, employee, admins, reports: reports.get(manager._id) };
}

/**
 * Adds the admin group (a fresh emulator from the same seed gives it the same id every run, so
 * ADMIN_GROUPS stays stable across runs), then starts the provider. Resolves with the child, the
 * server environment for sign-in and what to print.
 */
async function startSignIn({ root, emulator, baseUrl, idpPort, logFile, idpCommand }) {
  const { controlUrl, apiUrl, credentials } = emulator.info;
  const users = await control(controlUrl, 'GET', '/state/users');
  const people = pickPeople(users);
  const { id: adminGroupId } = await control(controlUrl, 'POST', '/groups', {
    name: ADMIN_GROUP_NAME,
    description: 'People who administer jumpgate (ADMIN_GROUPS)',
  });
  for (const u of people.admins) {
    await control(controlUrl, 'POST', `/groups/${adminGroupId}/members`, { userId: u._id });
  }

  const password = `demo-${randomBytes(9).toString('base64url')}`;
  const clientSecret = randomBytes(32).toString('base64url');
  // The compiled provider; tests pass `idpCommand` to run it from source instead.
  const command = idpCommand ?? { entry: path.join(root, 'dist', 'src', 'idp', 'main.js'), nodeArgs: [] };
  const { child, info } = await startAnnouncingChild({
    name: 'OpenID provider',
    entry: command.entry,
    nodeArgs: command.nodeArgs,
    args: [
      // A fixed port, so the issuer is the same every run: jumpgate binds a person to (issuer, sub),
      // and a new issuer each run would make every later sign-in an identity_conflict.
      ...['--port', String(idpPort), '--client-id', CLIENT_ID, '--redirect-uri', `${baseUrl}/auth/callback`],
      ...['--jumpcloud-url', apiUrl, '--password', password, '--exit-with-parent'],
    ],
    // Secrets through the environment, out of the process list.
    env: {
      PATH: process.env.PATH,
      ...command.env,
      IDP_CLIENT_SECRET: clientSecret,
      IDP_JUMPCLOUD_KEY: credentials.apiKey,
    },
    cwd: root,
    logFile,
  });
  return {
    child,
    issuer: info.issuer,
    userCount: info.users,
    password,
    people,
    adminGroup: { id: adminGroupId, name: ADMIN_GROUP_NAME },
    serverEnv: {
      PUBLIC_URL: baseUrl,
      OIDC_ISSUER_URL: info.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: clientSecret,
      ADMIN_GROUPS: adminGroupId,
    },
  };
}

/** Whether this server build serves sign-in: `/auth/login` redirects to the provider. */
async function signInServed(baseUrl, issuer) {
  try {
    const res = await fetch(`${baseUrl}/auth/login`, { redirect: 'manual' });
    const location = res.headers.get('location') ?? '';
    return res.status === 302 && location.startsWith(issuer);
  } catch {
    return false;
  }
}

function printSignIn(say, signIn, { baseUrl, served, logFile }) {
  const { people, password, adminGroup } = signIn;
  const who = (u) => `${u.email} (${u.displayname}${u.jobTitle ? `, ${u.jobTitle}` : ''})`;
  say(`Sign in with the browser: ${baseUrl}/auth/login`);
  say(`  through the local OpenID provider ${signIn.issuer} (${signIn.userCount} people; log in ${logFile})`);
  say(`  password for every demo person this run: ${password}`);
  say(
    `  a manager:   ${who(people.manager)}: ${people.reports} direct reports, reviews them once a campaign runs`,
  );
  say(`  an employee: ${who(people.employee)}: requests access, sees their own`);
  say(
    `  an admin:    ${who(people.admins[0])}: member of "${adminGroup.name}" (ADMIN_GROUPS=${adminGroup.id})`,
  );
  if (!served) {
    say('  (this build of the server does not serve /auth/login yet; the provider runs and the server has');
    say('   its settings, so sign-in works once it does: use the admin token below meanwhile)');
  }
  say('');
}

module.exports = { startSignIn, signInServed, printSignIn };

#!/usr/bin/env node
// `npm run demo`: one command for a newcomer. Starts the private PostgreSQL and Redis
// (scripts/services.sh), builds when the build is missing or stale, starts the JumpCloud emulator
// with a demo organisation and the local OpenID provider with its people (scripts/demo-signin.js),
// runs the compiled server in development mode against both, with its email going to a local SMTP
// sink (scripts/demo-mail.js: .demo/mail/*.eml and a listing page), creates a connection with the
// emulator's service account, runs a first sync, prepares a campaign to launch, and prints the sign-in
// URL, an admin token, where the mail is, and example curl lines. Ctrl-C stops the server, the provider and the emulator; the local services keep running.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startAnnouncingChild } = require('./demo-children');
const { startMailSink } = require('./demo-mail');
const { printSignIn, signInServed, startSignIn } = require('./demo-signin');

const root = path.resolve(__dirname, '..');
const port = Number(process.env.PORT || 3000);
// The local OpenID provider's port: fixed, so its issuer (and every person's binding to it) holds across runs.
const idpPort = Number(process.env.DEMO_IDP_PORT || port + 1);
// The mail listing and the SMTP sink: fixed too, so the email channel an earlier run made still reaches it.
const mailPort = Number(process.env.DEMO_MAIL_PORT || port + 2);
const smtpPort = Number(process.env.DEMO_SMTP_PORT || port + 3);
const mailDir = path.join(root, '.demo', 'mail');
const MAIL_FROM = 'jumpgate-demo@example.com';
const DEMO_CAMPAIGN_NAME = 'Demo access review';
// The same state directory services.sh uses, so the demo key lives beside the demo data.
const stateDir = process.env.JUMPGATE_SERVICES_DIR || '/tmp/jumpgate-services';
const serverEntry = path.join(root, 'dist', 'src', 'main.js');
const emulatorEntry = path.join(root, 'dist', 'src', 'emulator', 'main.js');
const idpEntry = path.join(root, 'dist', 'src', 'idp', 'main.js');
const migrateEntry = path.join(root, 'dist', 'src', 'platform', 'database', 'migrate.cli.js');
const serverLog = path.join(stateDir, 'demo-server.log');
const emulatorLog = path.join(stateDir, 'demo-emulator.log');
const idpLog = path.join(stateDir, 'demo-idp.log');

// The demo organisation: a fixed seed, so every run serves the same users, groups and credentials.
const DEMO_ORG = { seed: 42, users: 200, groups: 20, membershipsPerUser: 3, admins: 5, apps: 4 };
const DEMO_CONNECTION_NAME = 'Demo organisation (emulator)';

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

/** Raised inside the set-up when Ctrl-C arrives, so it ends quietly. */
class Stopped extends Error {}

/** Starts (or finds running) PostgreSQL and Redis and returns the URLs services.sh prints. */
function servicesUp() {
  const out = execFileSync('bash', [path.join(root, 'scripts', 'services.sh'), 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error('scripts/services.sh up printed no URLs');
  return env;
}

/**
 * A fixed key for the demo, made once: connection secrets stored by one demo run must still
 * decrypt in the next, and the audit chain stays verifiable. Never use it outside the demo.
 */
function demoEncryptionKey() {
  const file = path.join(stateDir, 'demo-encryption-key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** `nest build` when dist/ is missing or older than any source, migration or build setting. */
function buildIfNeeded() {
  const built = Math.min(
    ...[serverEntry, emulatorEntry, idpEntry].map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)),
  );
  const sources = Math.max(
    newestMtime(path.join(root, 'src')),
    newestMtime(path.join(root, 'migrations')),
    ...['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'].map((f) =>
      fs.existsSync(path.join(root, f)) ? fs.statSync(path.join(root, f)).mtimeMs : 0,
    ),
  );
  if (built >= sources) return;
  say('[demo] building the server (nest build)…');
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/** The web app's build when web/dist is missing or older than its sources: the sign-in URL lands on its pages. */
function buildWebIfNeeded() {
  const index = path.join(root, 'web', 'dist', 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(path.join(root, 'web', 'src')),
    ...['web/index.html', 'web/vite.config.ts', 'web/package.json', 'openapi.json', 'package-lock.json'].map(
      (f) => (fs.existsSync(path.join(root, f)) ? fs.statSync(path.join(root, f)).mtimeMs : 0),
    ),
  );
  if (built >= sources) return;
  say('[demo] building the web app (npm run build -w web)…');
  execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'inherit' });
}

/** The compiled emulator on a free port (`--port 0`); its JSON line holds its URLs and credentials. */
async function startEmulator() {
  fs.mkdirSync(stateDir, { recursive: true });
  const o = DEMO_ORG;
  return startAnnouncingChild({
    name: 'emulator',
    entry: emulatorEntry,
    args: [
      ...['--port', '0', '--seed', String(o.seed), '--users', String(o.users), '--groups', String(o.groups)],
      ...['--memberships-per-user', String(o.membershipsPerUser), '--admins', String(o.admins)],
      ...['--apps', String(o.apps)],
    ],
    cwd: root,
    logFile: emulatorLog,
  });
}

function startServer(env) {
  fs.mkdirSync(stateDir, { recursive: true });
  const log = fs.openSync(serverLog, 'w', 0o600);
  const child = spawn(process.execPath, [serverEntry], { cwd: root, env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return child;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForHealth(child, baseUrl, isStopping) {
  // Migrations on a first start take a few seconds; a server that exits ends the wait at once.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null || isStopping()) return false;
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  return false;
}

/** A small client for jumpgate's API with the admin token; errors name the route and status only. */
function apiClient(baseUrl, token) {
  return async (method, route, body) => {
    const res = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    if (!res.ok) {
      const message = json && json.message ? [].concat(json.message).join('; ') : text.slice(0, 200);
      throw new Error(`${method} ${route} answered ${res.status}: ${message}`);
    }
    return json;
  };
}

/**
 * Through jumpgate's REST API: the demo connection with the emulator's service account (created, or
 * on a later run found again and given the emulator's credentials, which jumpgate tests first), then
 * a sync, polled until it ends. The credentials are sent to jumpgate and never printed.
 */
async function setUpDemoOrganisation({ api, emulator, isStopping }) {
  const { orgId, clientId, clientSecret } = emulator.info.credentials;
  const existing = (await api('GET', '/api/v1/connections?limit=500')).items.find(
    (c) => c.name === DEMO_CONNECTION_NAME && c.orgId.toLowerCase() === orgId.toLowerCase(),
  );
  let connection;
  if (existing) {
    say(`[demo] reusing the demo connection ${existing.id} from an earlier run (credentials re-tested)…`);
    connection = await api('PATCH', `/api/v1/connections/${existing.id}`, { clientId, clientSecret });
  } else {
    say('[demo] creating the demo connection (service account; jumpgate tests the credentials first)…');
    connection = await api('POST', '/api/v1/connections', {
      name: DEMO_CONNECTION_NAME,
      orgId,
      clientId,
      clientSecret,
    });
  }
  say('[demo] syncing the demo organisation…');
  const started = await api('POST', `/api/v1/connections/${connection.id}/syncs`);
  const deadline = Date.now() + 180_000;
  let run = started;
  while (run.status !== 'succeeded' && run.status !== 'failed') {
    if (isStopping()) throw new Stopped();
    if (Date.now() > deadline) throw new Error(`sync ${started.id} did not finish within 3 minutes`);
    await sleep(300);
    run = await api('GET', `/api/v1/syncs/${started.id}`);
  }
  return { connection, run, reused: Boolean(existing) };
}

/**
 * The `default email` channel (made by the server from SMTP_URL and MAIL_FROM on a first run) pointed
 * at this run's sink, in case an earlier run used other ports; returns its id.
 */
async function pointEmailAtSink({ api, mail }) {
  const channels = (await api('GET', '/api/v1/notification-channels?limit=500')).items;
  const email = channels.find((c) => c.type === 'email' && c.name === 'default email');
  if (email) {
    await api('PATCH', `/api/v1/notification-channels/${email.id}`, {
      enabled: true,
      config: { smtpUrl: mail.smtpUrl, from: MAIL_FROM },
    });
    return email.id;
  }
  const created = await api('POST', '/api/v1/notification-channels', {
    type: 'email',
    name: 'default email',
    enabled: true,
    config: { smtpUrl: mail.smtpUrl, from: MAIL_FROM },
  });
  return created.id;
}

/**
 * A draft campaign to launch (managers review their reports' memberships), reused while it is still a
 * draft. Its fallback reviewers are two demo admins' principals (made with no role: sign-in gives them
 * theirs from ADMIN_GROUPS), for members without a manager.
 */
async function prepareDemoCampaign({ api, connection, people }) {
  const drafts = (await api('GET', '/api/v1/campaigns?limit=500')).items.filter(
    (c) => c.status === 'draft' && c.name.startsWith(DEMO_CAMPAIGN_NAME) && c.connectionId === connection.id,
  );
  if (drafts.length > 0) return drafts[0];
  const principals = (await api('GET', '/api/v1/principals?limit=500')).items;
  const fallbackIds = [];
  for (const person of people.admins.slice(0, 2)) {
    const found = principals.find((p) => p.email.toLowerCase() === person.email.toLowerCase());
    const p =
      found ??
      (await api('POST', '/api/v1/principals', { email: person.email, displayName: person.displayname }));
    fallbackIds.push(p.id);
  }
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return api('POST', '/api/v1/campaigns', {
    connectionId: connection.id,
    name: `${DEMO_CAMPAIGN_NAME} ${stamp}`,
    scope: {},
    reviewerStrategy: 'manager',
    fallbackReviewerIds: fallbackIds,
    dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    defaultDecision: 'none',
    autoRemediate: false,
  });
}

function printMail({ baseUrl, mail, campaign, people, auth }) {
  say(
    `Mail: jumpgate's "default email" channel sends to a local SMTP sink (${mail.smtpUrl}); nothing leaves`,
  );
  say('  this machine. Every message is written to a file and listed on a page:');
  say(`  ${mail.dir}/*.eml`);
  say(`  ${mail.listUrl}   (click a subject to read it, links included)`);
  say(`See the digest a reviewer gets: launch the prepared campaign "${campaign.name}"`);
  say('  (each manager reviews their reports; one digest per reviewer, never one mail per item):');
  say(`  curl -X POST ${auth} ${baseUrl}/api/v1/campaigns/${campaign.id}/launch`);
  say(`  then reload ${mail.listUrl}: e.g. the mail to ${people.manager.email} (the manager above)`);
  say('');
}

function printWelcome({ baseUrl, token, organisation, emulator, signIn, signInReady, mail, campaign }) {
  const auth = '-H "Authorization: Bearer $TOKEN"';
  const { connection, run, reused } = organisation;
  const s = run.stats;
  const controlUrl = emulator.info.controlUrl;
  say('');
  say(`jumpgate is running on ${baseUrl} (development mode; logs in ${serverLog})`);
  say(`JumpCloud emulator on ${emulator.info.url} (demo organisation, seed ${DEMO_ORG.seed})`);
  say('');
  say(`Connection "${connection.name}" ${connection.id}${reused ? ' (from an earlier run)' : ''}`);
  if (reused)
    say(
      '  (the emulator starts from its seed each run, so this sync writes only what differs from where the last run left off)',
    );
  if (run.status === 'succeeded') {
    say(
      `Sync ${run.id} succeeded: ${s.users} users, ${s.admins} admins, ${s.groups} groups, ` +
        `${s.memberships} memberships, ${s.applications} applications`,
    );
    say(
      `  rows written: ${s.added} added, ${s.removed} removed, ${s.updated} updated; ${s.apiCalls} JumpCloud calls`,
    );
    for (const [kind, h] of Object.entries(run.held || {})) {
      say(
        `  held back: removal of ${h.count} ${kind} (${Math.round(h.share * 100)}%); the next sync that agrees applies it`,
      );
    }
  } else {
    say(`Sync ${run.id} failed: ${run.error}`);
  }
  say('');
  printSignIn(say, signIn, { baseUrl, served: signInReady, logFile: idpLog });
  say('Admin token for this run (the bootstrap-admin principal; a new one each start):');
  say(`  export TOKEN=${token}`);
  say('');
  if (campaign) printMail({ baseUrl, mail, campaign, people: signIn.people, auth });
  say('Try:');
  say(`  curl ${baseUrl}/health`);
  say(`  curl ${auth} ${baseUrl}/api/v1/me`);
  say(`  curl ${auth} ${baseUrl}/api/v1/connections`);
  say(`  curl ${auth} '${baseUrl}/api/v1/groups?limit=5'`);
  say(`  curl ${auth} '${baseUrl}/api/v1/accounts?kind=admin'`);
  say(`  curl ${auth} ${baseUrl}/api/v1/syncs/${run.id}`);
  say(`  curl ${auth} '${baseUrl}/api/v1/audit-events?limit=5'`);
  say(`  curl ${auth} ${baseUrl}/api/v1/audit-events/verify`);
  say(`  curl ${auth} ${baseUrl}/api/v1/audit-events/checkpoint   (keep it outside jumpgate)`);
  say(`  open ${baseUrl}/api/docs   (OpenAPI document: ${baseUrl}/api/docs-json)`);
  say('');
  say('See drift: change 20 memberships in the emulator behind jumpgate’s back, then sync again:');
  say(`  curl -X POST ${controlUrl}/churn -d '{"count":20}' -H 'content-type: application/json'`);
  say(`  curl -X POST ${auth} ${baseUrl}/api/v1/connections/${connection.id}/syncs`);
  say(`  curl ${auth} ${baseUrl}/api/v1/connections/${connection.id}/syncs   (newest first: added/removed)`);
  say(`Emulator state and request log: curl ${controlUrl}/state, curl ${controlUrl}/stats`);
  say('');
  say(
    'Ctrl-C stops the server, the OpenID provider and the emulator. PostgreSQL and Redis keep running; stop them with `npm run services -- down`.',
  );
}

function tail(file, n = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
  } catch {
    return [];
  }
}

async function main() {
  const services = servicesUp();
  buildIfNeeded();
  buildWebIfNeeded();
  const token = `jg-demo-${randomBytes(24).toString('base64url')}`;
  const baseUrl = `http://localhost:${port}`;

  // Every child we start, so that Ctrl-C (or a failure) stops them all.
  const children = [];
  const exits = [];
  let stopping = false;
  const track = (name, child) => {
    children.push(child);
    exits.push(new Promise((resolve) => child.on('exit', (code, signal) => resolve({ name, code, signal }))));
  };
  const alive = (c) => c.exitCode === null && c.signalCode === null;
  const stopAll = () => {
    for (const c of children) if (alive(c)) c.kill('SIGTERM');
    // The server's own shutdown deadline is 10 s; past 15 s, stop whatever is left for good.
    setTimeout(() => {
      for (const c of children) if (alive(c)) c.kill('SIGKILL');
    }, 15_000).unref();
  };
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    say('\n[demo] stopping the server, the OpenID provider and the emulator…');
    stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Last resort if the demo itself dies: do not leave orphans behind.
  process.on('exit', () => {
    for (const c of children) if (alive(c)) c.kill('SIGKILL');
  });
  const fail = async (lines) => {
    for (const line of lines) say(line);
    stopping = true;
    stopAll();
    await Promise.all(exits);
    process.exit(1);
  };

  say(`[demo] starting the mail sink (SMTP on ${smtpPort}, listing on ${mailPort})…`);
  let mail;
  try {
    mail = await startMailSink({ dir: mailDir, smtpPort, httpPort: mailPort });
  } catch (err) {
    say(
      `[demo] ${err instanceof Error ? err.message : String(err)} (DEMO_SMTP_PORT / DEMO_MAIL_PORT choose others)`,
    );
    process.exit(1);
  }
  process.on('exit', () => mail.close());

  say(`[demo] starting the JumpCloud emulator (${DEMO_ORG.users} users, ${DEMO_ORG.groups} groups)…`);
  const emulator = await startEmulator();
  track('emulator', emulator.child);

  say("[demo] starting the local OpenID provider with the demo organisation's people…");
  let signIn;
  try {
    signIn = await startSignIn({ root, emulator, baseUrl, idpPort, logFile: idpLog });
  } catch (err) {
    await fail([`[demo] ${err instanceof Error ? err.message : String(err)}`]);
  }
  track('OpenID provider', signIn.child);

  // As in production (docs/operations.md): migrations as the owner role, then the server as its own
  // restricted role, without the owner's URL, so GET /health says auditProtected: true.
  const ownerUrl = services.DATABASE_OWNER_URL;
  if (ownerUrl) {
    say('[demo] applying migrations as the owner role…');
    const migrated = spawnSync(process.execPath, [migrateEntry], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_ENV: 'development', DATABASE_OWNER_URL: ownerUrl },
      encoding: 'utf8',
    });
    if (migrated.status !== 0) {
      await fail(['[demo] migrations failed:', ...`${migrated.stdout}${migrated.stderr}`.split('\n')]);
    }
  }
  const { DATABASE_OWNER_URL: _owner, ...inherited } = process.env;
  const env = {
    ...inherited,
    NODE_ENV: 'development',
    PORT: String(port),
    DATABASE_URL: services.DATABASE_URL,
    REDIS_URL: services.REDIS_URL,
    ENCRYPTION_KEY: demoEncryptionKey(),
    BOOTSTRAP_ADMIN_TOKEN: token,
    MIGRATIONS_RUN: ownerUrl ? 'false' : 'true',
    // Development mode accepts plain-http overrides; production insists on https.
    JUMPCLOUD_API_URL: emulator.info.apiUrl,
    JUMPCLOUD_OAUTH_TOKEN_URL: emulator.info.tokenUrl,
    JUMPCLOUD_INSIGHTS_URL: emulator.info.insightsUrl,
    // Sign-in through the local provider, set as for any identity provider.
    ...signIn.serverEnv,
    // Email to the local sink: the server makes its "default email" channel from these on a first run.
    SMTP_URL: mail.smtpUrl,
    MAIL_FROM,
  };
  say(`[demo] starting the server on port ${port}…`);
  const server = startServer(env);
  track('server', server);

  if (!(await waitForHealth(server, baseUrl, () => stopping))) {
    if (stopping) {
      await Promise.all(exits);
      process.exit(0);
    }
    await fail([
      `[demo] the server did not become healthy; last lines of ${serverLog}:`,
      ...tail(serverLog).map((l) => `  ${l}`),
    ]);
  }

  let organisation;
  try {
    organisation = await setUpDemoOrganisation({
      api: apiClient(baseUrl, token),
      emulator,
      isStopping: () => stopping,
    });
  } catch (err) {
    if (err instanceof Stopped || stopping) {
      await Promise.all(exits);
      process.exit(0);
    }
    await fail([
      `[demo] setting up the demo organisation failed: ${err instanceof Error ? err.message : String(err)}`,
      `[demo] last lines of ${serverLog}:`,
      ...tail(serverLog).map((l) => `  ${l}`),
    ]);
  }
  let campaign = null;
  try {
    const api = apiClient(baseUrl, token);
    await pointEmailAtSink({ api, mail });
    if (organisation.run.status === 'succeeded') {
      campaign = await prepareDemoCampaign({
        api,
        connection: organisation.connection,
        people: signIn.people,
      });
    }
  } catch (err) {
    say(
      `[demo] preparing the mail channel or the demo campaign failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const signInReady = await signInServed(baseUrl, signIn.issuer);
  printWelcome({ baseUrl, token, organisation, emulator, signIn, signInReady, mail, campaign });

  const first = await Promise.race(exits);
  if (stopping) {
    await Promise.all(exits);
    say(
      '[demo] server, OpenID provider and emulator stopped. Local services are still running (`npm run services -- down` stops them).',
    );
    process.exit(0);
  }
  const log = { server: serverLog, emulator: emulatorLog }[first.name] ?? idpLog;
  say(`[demo] the ${first.name} exited unexpectedly (${first.signal ?? `code ${first.code}`}); see ${log}`);
  stopping = true;
  stopAll();
  await Promise.all(exits);
  process.exit(1);
}

main().catch((err) => {
  say(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

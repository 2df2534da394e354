#!/usr/bin/env node
// `npm run demo`: one command for a newcomer. Starts the private PostgreSQL and Redis
// (scripts/services.sh), builds the server when the build is missing or stale, runs the compiled
// server in development mode with migrations, and prints an admin token and example curl lines.
// Ctrl-C stops the server; the local services keep running for the next start.
const { execFileSync, spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const port = Number(process.env.PORT || 3000);
// The same state directory services.sh uses, so the demo key lives beside the demo data.
const stateDir = process.env.JUMPGATE_SERVICES_DIR || '/tmp/jumpgate-services';
const serverEntry = path.join(root, 'dist', 'src', 'main.js');
const serverLog = path.join(stateDir, 'demo-server.log');

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

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
  const built = fs.existsSync(serverEntry) ? fs.statSync(serverEntry).mtimeMs : 0;
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

function startServer(env) {
  fs.mkdirSync(stateDir, { recursive: true });
  const log = fs.openSync(serverLog, 'w', 0o600);
  const child = spawn(process.execPath, [serverEntry], { cwd: root, env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return child;
}

async function waitForHealth(child, baseUrl) {
  // Migrations on a first start take a few seconds; a server that exits ends the wait at once.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/**
 * PLANNED (API.md, `npm run demo`): start the JumpCloud emulator with a demo organisation
 * (`node dist/src/emulator/main.js --port <p> --seed <s>`, which prints its URLs and credentials as
 * one JSON line), start the server with JUMPCLOUD_API_URL / JUMPCLOUD_OAUTH_TOKEN_URL pointing at it,
 * then, with the admin token, `POST /api/v1/connections` and start a first sync.
 * Until that is wired, the demo serves jumpgate without a connection and says so; it does not
 * pretend to have one. Returns extra environment for the server and lines to print, or null.
 */
async function setUpDemoOrganisation(_context) {
  return null;
}

function printWelcome(baseUrl, token, organisation) {
  const auth = `-H "Authorization: Bearer ${token}"`;
  say('');
  say(`jumpgate is running on ${baseUrl} (development mode; logs in ${serverLog})`);
  say('');
  say('Admin token for this run (the bootstrap-admin principal; a new one each start):');
  say(`  ${token}`);
  say('');
  say('Try:');
  say(`  curl ${baseUrl}/health`);
  say(`  curl ${auth} ${baseUrl}/api/v1/me`);
  say(`  curl ${auth} ${baseUrl}/api/v1/principals`);
  say(`  open ${baseUrl}/api/docs   (OpenAPI document: ${baseUrl}/api/docs-json)`);
  say('');
  if (organisation) {
    for (const line of organisation.lines) say(line);
  } else {
    say('No JumpCloud connection yet: the emulator-backed demo organisation is planned.');
    say('To connect a real tenant, see "Running against a real JumpCloud tenant" in README.md.');
  }
  say('');
  say(
    'Ctrl-C stops the server. PostgreSQL and Redis keep running; stop them with `npm run services -- down`.',
  );
}

async function main() {
  const services = servicesUp();
  buildIfNeeded();
  const token = `jg-demo-${randomBytes(24).toString('base64url')}`;
  const baseUrl = `http://localhost:${port}`;
  const organisation = await setUpDemoOrganisation({ root, stateDir, baseUrl, token });
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    DATABASE_URL: services.DATABASE_URL,
    REDIS_URL: services.REDIS_URL,
    ENCRYPTION_KEY: demoEncryptionKey(),
    BOOTSTRAP_ADMIN_TOKEN: token,
    MIGRATIONS_RUN: 'true',
    ...(organisation ? organisation.env : {}),
  };
  say(`[demo] starting the server on port ${port}…`);
  const server = startServer(env);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('\n[demo] stopping the server…');
    server.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
  if (!(await waitForHealth(server, baseUrl))) {
    if (server.exitCode === null) server.kill('SIGTERM');
    say(`[demo] the server did not become healthy; last lines of ${serverLog}:`);
    const lines = fs.readFileSync(serverLog, 'utf8').trimEnd().split('\n');
    for (const line of lines.slice(-20)) say(`  ${line}`);
    await exited;
    process.exit(1);
  }
  printWelcome(baseUrl, token, organisation);
  const { code, signal } = await exited;
  if (stopping) {
    say('[demo] server stopped. Local services are still running (`npm run services -- down` stops them).');
    process.exit(0);
  }
  say(`[demo] the server exited unexpectedly (${signal ?? `code ${code}`}); see ${serverLog}`);
  process.exit(1);
}

main().catch((err) => {
  say(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

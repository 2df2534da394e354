import { parseArgs } from 'node:util';
import { startEmulator } from './server';

/**
 * `npm run emulator -- --port 4010 --seed 7 --users 1000 --groups 100 --memberships-per-user 5`
 * Prints one JSON line with the URLs and the credentials to use (these are the emulator's own
 * test credentials, not anyone's secrets), then serves until interrupted.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '1' },
      users: { type: 'string' },
      groups: { type: 'string' },
      'memberships-per-user': { type: 'string' },
      admins: { type: 'string' },
      apps: { type: 'string' },
      'org-id': { type: 'string' },
      'api-key': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'token-ttl': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: emulator [--port N] [--host H] [--seed S] [--users U] [--groups G] [--memberships-per-user M]\n' +
        '                [--admins A] [--apps P] [--org-id ID] [--api-key K] [--client-id C] [--client-secret S]\n' +
        '                [--token-ttl SECONDS]\n',
    );
    return;
  }
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
    return n;
  };
  const sizes = Object.fromEntries(
    Object.entries({
      users: int(values.users, 'users'),
      groups: int(values.groups, 'groups'),
      membershipsPerUser: int(values['memberships-per-user'], 'memberships-per-user'),
      admins: int(values.admins, 'admins'),
      apps: int(values.apps, 'apps'),
    }).filter(([, v]) => v !== undefined),
  );
  const credentials = Object.fromEntries(
    Object.entries({
      orgId: values['org-id'],
      apiKey: values['api-key'],
      clientId: values['client-id'],
      clientSecret: values['client-secret'],
    }).filter(([, v]) => v !== undefined),
  );
  const ttl = int(values['token-ttl'], 'token-ttl');
  const t0 = Date.now();
  const emu = await startEmulator({
    port: int(values.port, 'port'),
    host: values.host,
    seed: int(values.seed, 'seed'),
    sizes,
    credentials,
    settings: ttl !== undefined ? { tokenTtlSeconds: ttl } : {},
  });
  process.stdout.write(
    JSON.stringify({
      url: emu.url,
      apiUrl: emu.apiUrl,
      tokenUrl: emu.tokenUrl,
      insightsUrl: emu.insightsUrl,
      controlUrl: `${emu.url}/__emulator`,
      credentials: emu.credentials,
      state: emu.emulator.summary(),
      startedInMs: Date.now() - t0,
    }) + '\n',
  );
  const stop = () => {
    void emu.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

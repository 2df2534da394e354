import { parseArgs } from 'node:util';
import type { IdpUser } from './options';
import { startIdp } from './server';
import { usersFromFile, usersFromJumpCloud } from './users';

const USAGE = `usage: idp --client-id ID --client-secret SECRET --redirect-uri URI [--redirect-uri URI…]
           (--users FILE | --jumpcloud-url BASE --jumpcloud-key KEY --password PASSWORD)
           [--port N] [--host H] [--issuer URL] [--test-controls] [--exit-with-parent]
--users FILE: a JSON array of {sub, email, email_verified?, name, password}.
--jumpcloud-url: a JumpCloud API base (…/api); every activated user of GET /systemusers, sub = its id,
  all with the one --password. The secret and key may also come from IDP_CLIENT_SECRET and
  IDP_JUMPCLOUD_KEY, which keeps them out of the process list.
--test-controls: serves /__idp/next-id-token to make the next token response faulty (tests only).
--exit-with-parent: stops when the process that started it is gone (a killed test run or demo).
`;

/**
 * A standalone OpenID provider (authorization code + PKCE) for tests and the demo. Prints one JSON
 * line `{issuer, url, controlUrl?, users}` once it listens, then serves until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      users: { type: 'string' },
      'jumpcloud-url': { type: 'string' },
      'jumpcloud-key': { type: 'string' },
      password: { type: 'string' },
      'test-controls': { type: 'boolean', default: false },
      'exit-with-parent': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0–65535');
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'] ?? process.env.IDP_CLIENT_SECRET;
  const redirectUris = values['redirect-uri'] ?? [];
  if (!clientId || !clientSecret || redirectUris.length === 0)
    throw new Error('--client-id, --client-secret (or IDP_CLIENT_SECRET) and --redirect-uri are required');
  for (const uri of redirectUris) new URL(uri);

  let users: IdpUser[];
  const jumpcloudKey = values['jumpcloud-key'] ?? process.env.IDP_JUMPCLOUD_KEY;
  if (values.users && values['jumpcloud-url']) throw new Error('give --users or --jumpcloud-url, not both');
  if (values.users) {
    users = await usersFromFile(values.users);
  } else if (values['jumpcloud-url']) {
    if (!jumpcloudKey || !values.password)
      throw new Error('--jumpcloud-url needs --jumpcloud-key (or IDP_JUMPCLOUD_KEY) and --password');
    users = await usersFromJumpCloud(values['jumpcloud-url'], jumpcloudKey, values.password);
  } else {
    throw new Error('give --users FILE or --jumpcloud-url BASE');
  }

  const idp = await startIdp({
    port,
    host: values.host,
    issuer: values.issuer,
    client: { clientId, clientSecret, redirectUris },
    users,
    testControls: values['test-controls'],
  });
  process.stdout.write(
    JSON.stringify({ issuer: idp.issuer, url: idp.url, controlUrl: idp.controlUrl, users: idp.users }) + '\n',
  );
  const stop = () => {
    void idp.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (values['exit-with-parent']) {
    // An orphan is re-parented (its ppid changes): nobody is left to stop it, so it stops itself.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop();
    }, 1000).unref();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`idp: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerApiRoutes } from './api-routes';
import { registerControlRoutes } from './control-routes';
import { JumpCloudEmulator, NotFound, type EmulatorCredentials, type EmulatorSettings } from './emulator';
import { BadRequest } from './listing';
import type { SeedSizes } from './seed';
import { errorJson } from './shapes';

export interface StartEmulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  sizes?: Partial<SeedSizes>;
  credentials?: Partial<EmulatorCredentials>;
  settings?: Partial<EmulatorSettings>;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:4010` */
  url: string;
  /** JumpCloud API base (v1; v2 is `${apiUrl}/v2`), for the client's `apiUrl`. */
  apiUrl: string;
  tokenUrl: string;
  /** Directory Insights base, for the client's `insightsUrl` (JUMPCLOUD_INSIGHTS_URL). */
  insightsUrl: string;
  /** Current credentials (they follow `PUT /__emulator/credentials` and reseeds). */
  readonly credentials: EmulatorCredentials;
  emulator: JumpCloudEmulator;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function buildEmulatorApp(
  emu: JumpCloudEmulator,
  urls: () => { apiUrl: string; tokenUrl: string },
): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Hung requests must not keep `close()` waiting.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    let status = 500;
    // RangeError: bad sizes or fault settings; SyntaxError: a fault's path regex.
    if (err instanceof BadRequest || err instanceof RangeError || err instanceof SyntaxError) status = 400;
    else if (err instanceof NotFound) status = 404;
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400) status = err.statusCode;
    void reply.code(status).send(errorJson(status, err.message));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorJson(404, `no route ${req.method} ${req.url.split('?')[0] ?? ''}`));
  });
  // Encapsulated, so the auth/fault/log hooks apply to the JumpCloud routes only.
  void app.register(async (api) => registerApiRoutes(api, emu));
  void app.register(async (ctl) => registerControlRoutes(ctl, emu, urls));
  return app;
}

/** Starts the emulator in-process (port 0 picks a free port). */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = new JumpCloudEmulator(opts);
  const host = opts.host ?? '127.0.0.1';
  let base = '';
  const urls = () => ({ apiUrl: `${base}/api`, tokenUrl: `${base}/oauth2/token` });
  const app = buildEmulatorApp(emulator, urls);
  await app.listen({ port: opts.port ?? 0, host });
  const addr = app.server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  base = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr.port}`;
  return {
    url: base,
    apiUrl: `${base}/api`,
    tokenUrl: `${base}/oauth2/token`,
    insightsUrl: `${base}/insights/directory/v1`,
    get credentials() {
      return emulator.credentials;
    },
    emulator,
    app,
    close: () => app.close(),
  };
}

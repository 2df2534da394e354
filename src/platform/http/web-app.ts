import fastifyStatic from '@fastify/static';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Paths the server answers itself; an unknown path under them keeps the API's 404 JSON. */
export const SERVER_PREFIXES = ['/api', '/auth', '/integrations', '/health'] as const;

/**
 * The web app's Content-Security-Policy. Vite's build loads scripts and styles only from files (no inline
 * script), and the app renders Mantine with its stylesheet (which carries the theme's CSS variables) and
 * `withCssVariables={false}`, so no <style> element is injected: no 'unsafe-inline' anywhere. Inline style
 * properties that React sets through the CSSOM are not governed by style-src.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function isServerPath(url: string): boolean {
  const path = url.split('?')[0];
  return SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** web/dist, found from this file in src/ (ts-node, tests) or in dist/src/ (the compiled server). */
export function defaultWebDistDir(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'web', 'package.json'))) return join(dir, 'web', 'dist');
    dir = dirname(dir);
  }
  return null;
}

const NOT_BUILT =
  'jumpgate: the web app is not built (web/dist is missing). Run `npm run build`, or use the API under /api/v1.\n';

/**
 * Serves the built app at `/`: its files, and index.html for every other GET outside the server's own
 * prefixes (client-side routes such as /reviews). Without a build, `/` and app routes answer a plain
 * explanation instead.
 */
export async function serveWebApp(fastify: FastifyInstance, distDir: string | null): Promise<void> {
  const built = distDir !== null && existsSync(join(distDir, 'index.html'));
  const appCsp = (reply: FastifyReply) => reply.header('content-security-policy', WEB_APP_CSP);
  if (built) {
    await fastify.register(fastifyStatic, {
      root: distDir,
      prefix: '/',
      // One route per built file, so every other path reaches the fallback below.
      wildcard: false,
      index: false,
      setHeaders: (reply: FastifyReply, path: string) => {
        appCsp(reply);
        // Vite names assets by content hash: they never change under one name.
        reply.header(
          'cache-control',
          path.startsWith(join(distDir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  const fallback = async (req: FastifyRequest, reply: FastifyReply) => {
    if (isServerPath(req.url)) return reply.callNotFound();
    appCsp(reply);
    if (!built) return reply.code(404).type('text/plain; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile('index.html');
  };
  fastify.get('/', fallback);
  fastify.get('/*', fallback);
}

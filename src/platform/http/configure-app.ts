import { Readable } from 'node:stream';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import { ValidationPipe } from '@nestjs/common';
import { type NestFastifyApplication, FastifyAdapter } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { type AppConfig } from '../../config/app-config';
import { defaultWebDistDir, serveWebApp } from './web-app';
import { buildOpenApiDocument } from './openapi-document';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * TRUST_PROXY in the form Fastify takes. A hop count becomes the function proxy-addr (and Fastify before
 * 5.12) made of it, "the first N hops are proxies": since 5.12 Fastify reads a bare number as "trust
 * none", which would silently turn `TRUST_PROXY=2` into `false`. Trusting hops by count alone lets a
 * client that reaches the server directly choose its address; API.md leaves that choice to the operator.
 */
export function fastifyTrustProxy(
  trust: AppConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Only with TRUST_PROXY is the client address taken from X-Forwarded-For.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    logger: false,
  });
}

/**
 * The security headers @fastify/helmet sends with these options, worked out once on a probe instance:
 * registered on the app, the plugin runs helmet() afresh on every request (re-parsing the CSP), about
 * a tenth of a small request's CPU, although without CSP nonces its headers never change.
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<[string, string | number | string[]][]> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, options);
  const headers: [string, string | number | string[]][] = [];
  // After helmet's hooks, before any reply: the raw response holds helmet's headers and no others.
  probe.addHook('onRequest', (_req, reply, done) => {
    // Names as helmet wrote them (Node has getRawHeaderNames since 15.13; @types/node omits it).
    const raw = reply.raw as typeof reply.raw & { getRawHeaderNames(): string[] };
    for (const name of raw.getRawHeaderNames()) {
      const value = reply.raw.getHeader(name);
      if (value !== undefined) headers.push([name, value]);
    }
    done();
  });
  probe.get('/', () => '');
  await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  return headers;
}

/**
 * Everything main.ts and the e2e tests both apply to the HTTP application. `webDistDir` is where the built
 * web app lives (null: none; tests use that to see the server without a build).
 */
/** A request whose raw body text was kept (the Slack interactions route). */
export interface RawBodyRequest {
  url: string;
  rawBodyText?: string;
}

export async function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
  webDistDir: string | null = defaultWebDistDir(),
): Promise<void> {
  app.useLogger(app.get(Logger));
  // Slack's interactions are signed over the raw form body, which the body parser does not keep:
  // kept here, for that path only, before parsing.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook(
      'preParsing',
      async (request: RawBodyRequest, _reply: unknown, payload: AsyncIterable<Buffer>) => {
        if (!request.url.startsWith('/integrations/slack/')) return payload;
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of payload) {
          size += chunk.length;
          if (size > BODY_LIMIT_BYTES) throw Object.assign(new Error('body too large'), { statusCode: 413 });
          chunks.push(chunk);
        }
        const raw = Buffer.concat(chunks);
        request.rawBodyText = raw.toString('utf8');
        return Readable.from([raw]);
      },
    );
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
    }),
  );
  const headers = await helmetHeaders({
    // Swagger UI needs inline scripts and styles; the API itself serves only JSON and CSV.
    contentSecurityPolicy: config.docsEnabled
      ? {
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'", "'unsafe-inline'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
          },
        }
      : undefined,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_req, reply, done) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      done();
    });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: false });
  }
  if (config.docsEnabled) {
    SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
  }
  await serveWebApp(app.getHttpAdapter().getInstance(), webDistDir);
}

import helmet from '@fastify/helmet';
import { ValidationPipe } from '@nestjs/common';
import { type NestFastifyApplication, FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { type AppConfig } from '../../config/app-config';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Only with TRUST_PROXY is the client address taken from X-Forwarded-For.
    trustProxy: config.trustProxy,
    logger: false,
  });
}

/** Everything main.ts and the e2e tests both apply to the HTTP application. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
    }),
  );
  await app.register(helmet, {
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
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: false });
  }
  if (config.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('jumpgate')
        .setDescription('User access reviews and just-in-time group access for JumpCloud')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  }
}

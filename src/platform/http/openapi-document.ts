import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponse } from './openapi';

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The OpenAPI document the server serves at /api/docs-json and `npm run openapi` writes to
 * openapi.json, built from the controllers' decorators (ApiRoute) alone: no provider runs, so the
 * script needs no database.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('jumpgate')
      .setDescription('User access reviews and just-in-time group access for JumpCloud')
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'an API token (`POST /api/v1/me/tokens`)',
      })
      .addCookieAuth(
        'jg_session',
        {
          type: 'apiKey',
          in: 'cookie',
          description: 'the session cookie set at sign-in (`GET /auth/callback`)',
        },
        'session',
      )
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description:
            'the value of the `jg_csrf` cookie: every write made with the session cookie must send it, else 403 `code: "csrf"`',
        },
        'csrf',
      )
      .build(),
  );
  for (const item of Object.values(document.paths)) {
    for (const [method, op] of Object.entries(item) as [string, unknown][]) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const operation = op as NonNullable<typeof item.get>;
      // A route open to a bearer token is open to a session too; a write with the session needs the CSRF header.
      if (operation.security?.some((s) => 'bearer' in s)) {
        operation.security = [
          { bearer: [] },
          WRITE_METHODS.has(method) ? { session: [], csrf: [] } : { session: [] },
        ];
      }
      // Fastify refuses any body over 1 MiB before a route sees it.
      if (operation.requestBody && !operation.responses['413']) {
        operation.responses['413'] = {
          description: 'The body is over 1 MiB',
          content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } },
        };
      }
    }
  }
  return document;
}

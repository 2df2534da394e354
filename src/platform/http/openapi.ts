import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

/**
 * The OpenAPI side of every route, declared once per route with ApiRoute: a summary, the 2xx body as
 * a response class (the same class the domain's mapper returns, so the document and the code cannot
 * drift), and the error responses the route can give, with the `code` values API.md names for it.
 */

/** API.md "Errors": the one error shape of every failure. */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'a list of field errors when a body or query fails validation',
  })
  message!: string | string[];
  @ApiPropertyOptional({ description: 'a stable machine-readable reason' }) code?: string;
}

/** `{id, name}`: a group, application or reviewer named inside another resource. */
export class IdNameResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 502;

const ERROR_MEANING: Record<ErrorStatus, string> = {
  400: 'Bad input (a field, a query parameter, a path id that is not a UUID); nothing changed',
  401: 'No token or session, or an unknown, revoked or expired one, or a disabled principal',
  403: 'The caller may not do this',
  404: 'No resource with that id',
  409: 'The resource is in a state that does not allow this',
  413: 'The body is over 1 MiB',
  429: 'Too many failed authentications from this client address (Retry-After)',
  502: 'JumpCloud could not be reached',
};

const pageClasses = new Map<Type<unknown>, Type<unknown>>();

/** `{items: T[], nextCursor: string|null}` as a named schema (`<T>Page`) of its own. */
export function PageOf<T>(item: Type<T>): Type<{ items: T[]; nextCursor: string | null }> {
  const known = pageClasses.get(item);
  if (known) return known as Type<{ items: T[]; nextCursor: string | null }>;
  class Page {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty({ type: String, nullable: true, description: 'null on the last page' })
    nextCursor!: string | null;
  }
  Object.defineProperty(Page, 'name', { value: `${item.name}Page` });
  pageClasses.set(item, Page);
  return Page;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  /** The 2xx status (default 200), or 302 for a browser redirect (its `Location` header). */
  status?: 200 | 201 | 202 | 204 | 302;
  /** The 2xx body: a response class; `{ page: T }` for a list; `{ oneOf }` for alternatives; none for 204. */
  body?: Type<unknown> | { page: Type<unknown> } | { oneOf: Type<unknown>[] };
  /** A body that is not JSON (report.csv). */
  produces?: string;
  /** The error statuses this route can give besides 401 and 429 (which every authenticated route has). */
  errors: ErrorStatus[];
  /** The `code` values API.md names for an error status of this route. */
  codes?: Partial<Record<ErrorStatus, readonly string[]>>;
  /** Only /health and the docs: no authentication, so no 401 or 429. */
  public?: boolean;
}

function okResponse(doc: RouteDoc): MethodDecorator[] {
  const status = doc.status ?? 200;
  const description = doc.description ?? doc.summary;
  if (status === 302) {
    return [
      ApiResponse({
        status,
        description,
        headers: { Location: { description: 'where the browser goes next', schema: { type: 'string' } } },
      }),
    ];
  }
  if (doc.produces) {
    // Not ApiProduces: that would label the JSON error responses with the same media type.
    return [
      ApiResponse({ status, description, content: { [doc.produces]: { schema: { type: 'string' } } } }),
    ];
  }
  const body = doc.body;
  if (!body) return [ApiResponse({ status, description })];
  if ('page' in body) return [ApiResponse({ status, description, type: PageOf(body.page) })];
  if ('oneOf' in body) {
    return [
      ApiExtraModels(...body.oneOf),
      ApiResponse({
        status,
        description,
        schema: { oneOf: body.oneOf.map((t) => ({ $ref: getSchemaPath(t) })) },
      }),
    ];
  }
  return [ApiResponse({ status, description, type: body })];
}

function errorResponse(status: ErrorStatus, codes: readonly string[] | undefined): MethodDecorator {
  const ref = { $ref: getSchemaPath(ErrorResponse) };
  if (!codes || codes.length === 0) {
    return ApiResponse({ status, description: ERROR_MEANING[status], schema: ref });
  }
  return ApiResponse({
    status,
    description: `${ERROR_MEANING[status]}; \`code\`: ${codes.map((c) => `\`${c}\``).join(', ')}`,
    schema: { allOf: [ref, { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } }] },
  });
}

/** The codes every route gives with these statuses: the guard's, and notFound's. */
const COMMON_CODES: Partial<Record<ErrorStatus, readonly string[]>> = {
  401: ['unauthenticated'],
  403: ['forbidden'],
  404: ['not_found'],
  429: ['too_many_attempts'],
};

/** Summary, 2xx body and error responses of one route. */
export function ApiRoute(doc: RouteDoc): MethodDecorator {
  const errors = new Set<ErrorStatus>(doc.errors);
  if (!doc.public) {
    errors.add(401);
    errors.add(429);
  }
  for (const status of Object.keys(doc.codes ?? {}).map(Number) as ErrorStatus[]) errors.add(status);
  const codesOf = (s: ErrorStatus): string[] => [
    ...new Set([...(COMMON_CODES[s] ?? []), ...(doc.codes?.[s] ?? [])]),
  ];
  return applyDecorators(
    ApiOperation({ summary: doc.summary, ...(doc.description ? { description: doc.description } : {}) }),
    ApiExtraModels(ErrorResponse),
    ...okResponse(doc),
    ...[...errors].sort((a, b) => a - b).map((s) => errorResponse(s, codesOf(s))),
  );
}

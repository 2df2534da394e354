import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { readBody, sendJson } from './http';

/**
 * What the next token response does wrong, so a relying party's refusals can be tested against a
 * real provider. Each id_token fault re-signs the provider's own id_token after changing one thing.
 */
export type IdTokenFault =
  | { kind: 'wrong_audience'; audience?: string }
  /** `exp` ten minutes in the past (and `iat` before it). */
  | { kind: 'expired' }
  /** Signed by a key the provider never published, under the provider's own `kid`. */
  | { kind: 'foreign_key' }
  | { kind: 'email_unverified' }
  | { kind: 'sub'; sub: string }
  | { kind: 'nonce'; nonce: string }
  /** The token request is answered 400 with this OAuth error instead of tokens. */
  | { kind: 'provider_error'; error?: string; error_description?: string };

export const FAULT_KINDS = [
  'wrong_audience',
  'expired',
  'foreign_key',
  'email_unverified',
  'sub',
  'nonce',
  'provider_error',
] as const satisfies readonly IdTokenFault['kind'][];

export function parseFault(body: unknown): IdTokenFault {
  if (typeof body !== 'object' || body === null) throw new Error('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const opt = (key: string): string | undefined => {
    if (b[key] === undefined) return undefined;
    if (typeof b[key] !== 'string' || b[key] === '') throw new Error(`${key} must be a non-empty string`);
    return b[key];
  };
  const req = (key: string): string => opt(key) ?? fail(`${key} is required for ${String(b.kind)}`);
  switch (b.kind) {
    case 'wrong_audience':
      return { kind: b.kind, audience: opt('audience') };
    case 'expired':
    case 'foreign_key':
    case 'email_unverified':
      return { kind: b.kind };
    case 'sub':
      return { kind: b.kind, sub: req('sub') };
    case 'nonce':
      return { kind: b.kind, nonce: req('nonce') };
    case 'provider_error':
      return { kind: b.kind, error: opt('error'), error_description: opt('error_description') };
    default:
      return fail(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

const b64url = (v: Buffer | string): string => Buffer.from(v).toString('base64url');

function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** An RS256 compact JWS: all a re-signed id_token needs, without a second JOSE library. */
export function signRs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${b64url(signature)}`;
}

export class TestControls {
  private readonly queue: IdTokenFault[] = [];

  constructor(
    /** The provider's own signing key (the private half of the key its JWKS publishes). */
    private readonly signingKey: KeyObject,
  ) {}

  pending(): IdTokenFault[] {
    return [...this.queue];
  }

  /** `/__idp/next-id-token`: POST queues a fault for the next token response, DELETE clears, GET lists. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/__idp/next-id-token') return sendJson(res, 404, { error: 'not_found' });
    if (req.method === 'GET') return sendJson(res, 200, { pending: this.pending() });
    if (req.method === 'DELETE') {
      this.queue.length = 0;
      return sendJson(res, 204);
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });
    let fault: IdTokenFault;
    try {
      const text = await readBody(req, 10_000);
      fault = parseFault(JSON.parse(text || 'null'));
    } catch (e) {
      return sendJson(res, 400, {
        error: 'invalid_request',
        message: e instanceof Error ? e.message : String(e),
      });
    }
    this.queue.push(fault);
    return sendJson(res, 201, { pending: this.pending() });
  }

  /** Koa middleware around the token endpoint (`provider.use`). */
  middleware(tokenPath: string): (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void> {
    return async (ctx, next) => {
      if (ctx.method !== 'POST' || ctx.path !== tokenPath || this.queue.length === 0) return next();
      const fault = this.queue.shift() as IdTokenFault;
      if (fault.kind === 'provider_error') {
        ctx.status = 400;
        ctx.set('cache-control', 'no-store');
        ctx.body = {
          error: fault.error ?? 'server_error',
          error_description:
            fault.error_description ?? 'the provider refused the token request (test control)',
        };
        return;
      }
      await next();
      const body = ctx.body as { id_token?: unknown } | undefined;
      if (ctx.status !== 200 || typeof body?.id_token !== 'string') return;
      body.id_token = this.resign(body.id_token, fault);
    };
  }

  private resign(idToken: string, fault: Exclude<IdTokenFault, { kind: 'provider_error' }>): string {
    const [h, p] = idToken.split('.');
    const header = decodePart(h);
    const payload = decodePart(p);
    let key = this.signingKey;
    const now = Math.floor(Date.now() / 1000);
    switch (fault.kind) {
      case 'wrong_audience':
        payload.aud = fault.audience ?? 'another-client';
        break;
      case 'expired':
        payload.iat = now - 1200;
        payload.exp = now - 600;
        break;
      case 'foreign_key':
        key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        break;
      case 'email_unverified':
        payload.email_verified = false;
        break;
      case 'sub':
        payload.sub = fault.sub;
        break;
      case 'nonce':
        payload.nonce = fault.nonce;
        break;
    }
    return signRs256(header, payload, key);
  }
}

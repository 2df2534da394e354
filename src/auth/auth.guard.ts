import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyRequest } from 'fastify';
import { type Actor, hasRole } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { POLICY_KEY, type RequestWithActor, type RoutePolicy } from '../platform/http/policy';
import { AuthService } from './auth.service';
import { AuthThrottleService } from './auth-throttle.service';
import { readCookie, SESSION_COOKIE } from './cookies';
import { SessionsService } from './sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Authenticated =
  { ok: true; actor: Actor; secret: string | null } | { ok: false; reason: string; message: string };

/**
 * Deny by default: every route must declare a policy (a spec walks all controllers). A bearer token
 * or, without an Authorization header, the `jg_session` cookie authenticates. A session is checked
 * on every request against Postgres; a token is checked on every request: expiry at once, revocation and disabling at once in the process that made
 * them and within AUTH_CACHE_MS in the others (AuthService remembers a good token for that long).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly throttle: AuthThrottleService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(POLICY_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (policy?.kind === 'public') return true;

    const req = ctx.switchToHttp().getRequest<FastifyRequest & RequestWithActor>();
    const header = req.headers.authorization;
    // A bearer header wins over a cookie: scripts keep their token's rights whatever cookies they carry.
    const outcome =
      header !== undefined ? await this.byToken(header) : await this.bySession(req.headers.cookie);
    if (!outcome.ok) {
      // A disabled principal's own credential is no guess, nor is sending none; every other failure
      // (a bad token, a bad session cookie) counts against the client.
      // req.ip honours TRUST_PROXY (Fastify's trustProxy), so X-Forwarded-For counts only when trusted.
      const uncounted = outcome.reason === 'disabled' || outcome.reason === 'missing';
      const wait = uncounted ? null : await this.throttle.recordFailure(req.ip);
      if (wait !== null) {
        throw new AppError('too_many_attempts', 'Too many failed authentication attempts', {
          retryAfterSeconds: wait,
        });
      }
      throw new AppError('unauthenticated', outcome.message);
    }
    req.actor = outcome.actor;
    // A write made with the session cookie needs the CSRF header (and a same-origin Origin).
    if (outcome.secret !== null && !SAFE_METHODS.has(req.method)) {
      this.sessions.checkCsrf(outcome.secret, req.headers);
    }

    if (!policy) throw new AppError('forbidden', 'This route declares no access policy');
    if (policy.kind === 'roles' && !hasRole(outcome.actor, ...policy.roles)) {
      throw new AppError('forbidden', 'Your roles do not allow this');
    }
    return true;
  }

  private async byToken(header: string): Promise<Authenticated> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return { ok: false, reason: 'missing', message: 'Missing bearer token' };
    const outcome = await this.auth.authenticate(match[1]);
    if (!outcome.ok) return { ...outcome, message: 'Invalid, expired or revoked token' };
    return { ok: true, actor: outcome.actor, secret: null };
  }

  private async bySession(cookieHeader: string | undefined): Promise<Authenticated> {
    const secret = readCookie(cookieHeader, SESSION_COOKIE);
    // No credential at all is not a failed attempt: it is not counted.
    if (!secret) return { ok: false, reason: 'missing', message: 'Missing bearer token or session' };
    const outcome = await this.sessions.authenticate(secret);
    if (!outcome.ok) return { ...outcome, message: 'Invalid, expired or ended session' };
    return outcome;
  }
}

import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyRequest } from 'fastify';
import { hasRole } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { POLICY_KEY, type RequestWithActor, type RoutePolicy } from '../platform/http/policy';
import { AuthService } from './auth.service';
import { AuthThrottleService } from './auth-throttle.service';

/**
 * Deny by default: every route must declare a policy (a spec walks all controllers). The token is
 * checked on every request: expiry at once, revocation and disabling at once in the process that made
 * them and within AUTH_CACHE_MS in the others (AuthService remembers a good token for that long).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly throttle: AuthThrottleService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(POLICY_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (policy?.kind === 'public') return true;

    const req = ctx.switchToHttp().getRequest<FastifyRequest & RequestWithActor>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AppError('unauthenticated', 'Missing bearer token');

    // Authenticate first: a valid token is never refused because its address had failures.
    const outcome = await this.auth.authenticate(match[1]);
    if (!outcome.ok) {
      // A disabled principal's own token is no guess; everything else counts against the client.
      // req.ip honours TRUST_PROXY (Fastify's trustProxy), so X-Forwarded-For counts only when trusted.
      const wait = outcome.reason === 'disabled' ? null : await this.throttle.recordFailure(req.ip);
      if (wait !== null) {
        throw new AppError('too_many_attempts', 'Too many failed authentication attempts', {
          retryAfterSeconds: wait,
        });
      }
      throw new AppError('unauthenticated', 'Invalid, expired or revoked token');
    }
    req.actor = outcome.actor;

    if (!policy) throw new AppError('forbidden', 'This route declares no access policy');
    if (policy.kind === 'roles' && !hasRole(outcome.actor, ...policy.roles)) {
      throw new AppError('forbidden', 'Your roles do not allow this');
    }
    return true;
  }
}

import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { type Actor, type Role } from '../actor';

/**
 * Every route declares who may call it; the global guard in `auth` denies a route without a policy.
 * The metadata lives here, in platform, so every module (health, audit) can declare policies.
 */
export const POLICY_KEY = 'jumpgate:policy';

export type RoutePolicy = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'roles'; roles: Role[] };

/** No authentication (only /health and the docs). */
export const Public = (): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, { kind: 'public' } satisfies RoutePolicy);

/** Any principal; resource rules (own items, approver of this group) are the service's to check. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, { kind: 'authenticated' } satisfies RoutePolicy);

/** Principals holding one of these roles. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, { kind: 'roles', roles } satisfies RoutePolicy);

/** Reads that admins and auditors may make (API.md "Who may call what"). */
export const AdminOrAuditor = (): MethodDecorator & ClassDecorator => Roles('admin', 'auditor');
export const AdminOnly = (): MethodDecorator & ClassDecorator => Roles('admin');

export interface RequestWithActor {
  actor?: Actor;
}

/** The authenticated actor, set by the guard. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<RequestWithActor>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without authentication');
  return actor;
});

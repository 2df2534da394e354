export type Role = 'admin' | 'auditor';
export const ROLES: readonly Role[] = ['admin', 'auditor'];

/**
 * How a principal authenticated, recorded with every audit event it causes (API.md "Who may call
 * what"). A bearer token names its token row; the bootstrap token has none. Sessions and Slack come
 * with sign-in: each variant carries the id an auditor needs to trace that channel.
 */
export type ActorAuth =
  | { via: 'token'; tokenId?: string }
  | { via: 'session'; sessionId: string }
  | { via: 'slack'; channelId: string };

/** Who is acting: the first argument of every service method (STYLE.md), from HTTP, a job or a test. */
export type Actor =
  | { type: 'principal'; id: string; email: string; roles: Role[]; isBootstrap: boolean; auth: ActorAuth }
  | { type: 'system'; id: string };

/** The audit form of how an actor authenticated: `via: "system"` for jobs and ticks. */
export type ActorVia = ActorAuth | { via: 'system' };

export function viaOf(actor: Actor): ActorVia {
  return actor.type === 'principal' ? actor.auth : { via: 'system' };
}

export const systemActor = (id: string): Actor => ({ type: 'system', id });

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.type === 'principal' && actor.roles.some((r) => roles.includes(r));
}

export const isAdmin = (actor: Actor): boolean => hasRole(actor, 'admin');

export type Role = 'admin' | 'auditor';
export const ROLES: readonly Role[] = ['admin', 'auditor'];

/** Who is acting: the first argument of every service method (STYLE.md), from HTTP, a job or a test. */
export type Actor =
  | { type: 'principal'; id: string; email: string; roles: Role[]; isBootstrap: boolean }
  | { type: 'system'; id: string };

export const systemActor = (id: string): Actor => ({ type: 'system', id });

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.type === 'principal' && actor.roles.some((r) => roles.includes(r));
}

export const isAdmin = (actor: Actor): boolean => hasRole(actor, 'admin');

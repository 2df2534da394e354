import { type Actor, type ActorAuth } from '../platform/actor';
import { type PrincipalRow } from './principals.repository';

/** The actor of a principal, with how it authenticated (recorded with every audit event it causes). */
export function actorOf(p: PrincipalRow, auth: ActorAuth): Actor {
  return { type: 'principal', id: p.id, email: p.email, roles: p.roles, isBootstrap: p.is_bootstrap, auth };
}

import { type Role } from '../platform/actor';
import { type AccountStatus } from './account-links';

/** The `/signin-error?code=` values of API.md "Sign-in and sessions". */
export type SignInErrorCode =
  | 'state_mismatch'
  | 'provider_error'
  | 'invalid_token'
  | 'email_unverified'
  | 'no_account'
  | 'account_inactive'
  | 'principal_disabled'
  | 'identity_conflict';

/** What the identity rules need to know about a principal. */
export interface PrincipalFacts {
  id: string;
  email: string;
  kind: 'person' | 'service';
  disabled: boolean;
  bound: boolean;
}

export interface SignInFacts {
  /** The principal bound to the token's (issuer, sub), if any. */
  bound: PrincipalFacts | null;
  /** The provider's email claim and whether the provider vouches for it (absent is not false). */
  email: string | null;
  emailVerified: boolean | undefined;
  /** The principal that has the provider's email, if any (case-insensitively). */
  byEmail: PrincipalFacts | null;
  /** The directory status of the provider's email, and of the bound principal's current email. */
  emailStatus: AccountStatus;
  boundEmailStatus: AccountStatus;
}

export type SignInDecision =
  | { kind: 'refuse'; code: SignInErrorCode }
  /** A bound principal signs in; `newEmail` when it takes the provider's changed email. */
  | { kind: 'bound'; principalId: string; newEmail: string | null }
  /** An unbound person with the email is bound to the identity at this first sign-in. */
  | { kind: 'bind'; principalId: string }
  /** No principal has the email: a person is created and bound. */
  | { kind: 'create'; email: string };

const refuse = (code: SignInErrorCode): SignInDecision => ({ kind: 'refuse', code });
const accountRefusal = (status: AccountStatus): SignInDecision | null =>
  status === 'active' ? null : refuse(status === 'inactive' ? 'account_inactive' : 'no_account');

/**
 * The identity rules of API.md, in order: (issuer, sub) first; a bound principal takes a changed email
 * only when an active account has it; otherwise the verified email names the principal, which must
 * have an active directory account; a second subject for a bound email is a conflict. Service
 * principals never sign in (they carry no person's email, and are never bound).
 */
export function decideSignIn(f: SignInFacts): SignInDecision {
  if (f.bound) {
    if (f.bound.disabled) return refuse('principal_disabled');
    const changed = f.email !== null && f.email.toLowerCase() !== f.bound.email.toLowerCase();
    if (changed && f.emailVerified !== false && f.emailStatus === 'active') {
      // Another principal holding that email keeps it: two principals never share one.
      if (f.byEmail && f.byEmail.id !== f.bound.id) return refuse('identity_conflict');
      return { kind: 'bound', principalId: f.bound.id, newEmail: f.email };
    }
    return accountRefusal(f.boundEmailStatus) ?? { kind: 'bound', principalId: f.bound.id, newEmail: null };
  }
  if (f.emailVerified === false || f.email === null) return refuse('email_unverified');
  if (f.byEmail) {
    if (f.byEmail.bound || f.byEmail.kind === 'service') return refuse('identity_conflict');
    if (f.byEmail.disabled) return refuse('principal_disabled');
    return accountRefusal(f.emailStatus) ?? { kind: 'bind', principalId: f.byEmail.id };
  }
  return accountRefusal(f.emailStatus) ?? { kind: 'create', email: f.email };
}

/** Roles from the role groups an email's active accounts are members of (JumpCloud group ids). */
export function rolesFromGroups(
  memberOf: readonly string[],
  adminGroups: readonly string[],
  auditorGroups: readonly string[],
): Role[] {
  const roles: Role[] = [];
  if (memberOf.some((g) => adminGroups.includes(g))) roles.push('admin');
  if (memberOf.some((g) => auditorGroups.includes(g))) roles.push('auditor');
  return roles;
}

export const sameRoles = (a: readonly Role[], b: readonly Role[]): boolean =>
  a.length === b.length && a.every((r) => b.includes(r));

/** `returnTo` must be a path of this site (`^/(?![/\\])`): not `//host`, `/\host` or a full URL. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) return '/';
  // Control characters could smuggle a second header line or confuse a browser's URL parser.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return '/';
  return /^\/(?![/\\])/.test(value) ? value : '/';
}

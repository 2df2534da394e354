import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';

/** Who a decision is about: the beneficiary's account emails and, for requests, who asked. */
export interface DecisionSubject {
  /** Emails of the accounts the decision concerns (the reviewed member, the request's beneficiary). */
  accountEmails: (string | null | undefined)[];
  /** Principals who may not decide (the requester). */
  principalIds?: (string | null | undefined)[];
}

/**
 * Separation of duties (ARCHITECTURE.md rule 4), the one check campaigns and access both use:
 * nobody decides about their own account, nobody approves what they asked for, admins included.
 * Returns the reason it is refused, or null when the actor may decide.
 */
export function separationOfDutiesViolation(actor: Actor, subject: DecisionSubject): string | null {
  if (actor.type !== 'principal') return null;
  const me = actor.email.trim().toLowerCase();
  if (subject.accountEmails.some((e) => e && e.trim().toLowerCase() === me)) {
    return 'You may not decide about your own access';
  }
  if (subject.principalIds?.some((id) => id === actor.id)) {
    return 'You may not decide a request you made';
  }
  return null;
}

/** The same rule for a principal who is not the actor (choosing a reviewer). */
export function isSamePerson(principalEmail: string, accountEmail: string | null | undefined): boolean {
  return !!accountEmail && principalEmail.trim().toLowerCase() === accountEmail.trim().toLowerCase();
}

/**
 * The bootstrap principal exists to set up an installation (API.md "Who may call what"): it
 * administers, but its decisions would stand for nobody, so it never decides a review item, approves,
 * denies or reassigns. Thrown before anything is looked up, whatever the resource.
 */
export function assertNotBootstrap(actor: Actor, what: string): void {
  if (actor.type === 'principal' && actor.isBootstrap) {
    throw new AppError('bootstrap_cannot_act', `The bootstrap admin may not ${what}`);
  }
}

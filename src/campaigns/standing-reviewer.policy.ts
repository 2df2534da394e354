import { isSamePerson } from '../auth/separation-of-duties';

/** A principal as the standing reviewer rule needs it. */
export interface StandingCandidate {
  id: string;
  email: string;
  disabled: boolean;
  is_bootstrap: boolean;
}

/**
 * Who reviews a standing campaign's item (API.md "Campaigns that run themselves"): the group's first
 * owner who is not the member, else the earliest-created admin principal that is neither the member
 * nor the bootstrap. `owners` in the policy's order, `admins` oldest first. A disabled principal
 * reviews nothing, and the bootstrap never decides (it would leave the item waiting for ever), so both
 * are passed over among owners too. Null when nobody qualifies: the item waits for an admin to reassign.
 */
export function chooseStandingReviewer(
  memberEmail: string | null,
  owners: StandingCandidate[],
  admins: StandingCandidate[],
): string | null {
  const can = (p: StandingCandidate): boolean =>
    !p.disabled && !p.is_bootstrap && !isSamePerson(p.email, memberEmail);
  return owners.find(can)?.id ?? admins.find(can)?.id ?? null;
}

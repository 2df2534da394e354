import { type MembershipTarget } from '../directory/directory.service';

/** Why an operation cannot be applied member by member, and how it ends without a JumpCloud call. */
export interface TargetRefusal {
  status: 'failed' | 'manual';
  reason: string;
}

/**
 * Whether JumpCloud can take this membership change one member at a time: the account and group must
 * be in the directory, the group's members must not be set by a rule, and the account must be a user
 * (administrators are not group members).
 */
export function checkTarget(
  target: MembershipTarget | undefined,
): { ok: true; target: MembershipTarget } | { ok: false; refusal: TargetRefusal } {
  const refuse = (status: TargetRefusal['status'], reason: string) =>
    ({ ok: false, refusal: { status, reason } }) as const;
  if (!target) return refuse('failed', 'the account or group is not in the directory');
  if (target.membershipMethod === 'DYNAMIC_AUTOMATED') {
    return refuse(
      'manual',
      "The group is DYNAMIC_AUTOMATED: JumpCloud sets its members by rule, so a member cannot be added or removed one by one. Change the rule or the user's attributes in JumpCloud.",
    );
  }
  if (target.accountKind !== 'user') {
    return refuse('manual', 'Administrators are not group members in JumpCloud');
  }
  return { ok: true, target };
}

/** What verification needs of an operation awaiting it (a succeeded one, or a failed add that may have landed). */
export interface AwaitingVerification {
  id: string;
  action: 'add_member' | 'remove_member';
  status: string;
  account_id: string;
  group_id: string;
  write_uncertain: boolean;
}

export interface Verdicts<O> {
  confirmed: string[];
  contradicted: string[];
  /** Adds whose member the sync lists although an attempt's outcome was unknown: their source decides. */
  landed: O[];
}

/**
 * "Did the change hold?", decided here alone from what the next sync lists (`present` holds
 * `groupId:accountId` keys). A succeeded add is confirmed by a member, a removal by its absence;
 * a failed add is confirmed by the member's absence.
 */
export function verifyOperations<O extends AwaitingVerification>(
  ops: O[],
  present: Set<string>,
): Verdicts<O> {
  const confirmed: string[] = [];
  const contradicted: string[] = [];
  const landed: O[] = [];
  for (const o of ops) {
    const isMember = present.has(`${o.group_id}:${o.account_id}`);
    if (o.status === 'failed') {
      // A failed add: JumpCloud confirms it when the member is absent.
      (isMember ? contradicted : confirmed).push(o.id);
      if (isMember) landed.push(o);
      continue;
    }
    ((o.action === 'add_member') === isMember ? confirmed : contradicted).push(o.id);
    // A succeeded add with an earlier attempt that may have landed late: its source checks that
    // the member still present is one it holds (a grant ended since would have it taken out).
    if (o.action === 'add_member' && o.write_uncertain && isMember) landed.push(o);
  }
  return { confirmed, contradicted, landed };
}

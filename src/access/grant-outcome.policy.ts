import { type ProvisioningOperationSettledEvent } from '../provisioning/provisioning.events';
import { type GrantRow } from './dto/access.rows';

/**
 * What a settled operation does to its grant: `activated` (the add landed while the grant waited),
 * `already_member` (the add found standing access: the grant ends and nothing is ever removed for
 * it), `failed` (the add was refused), `ended` (the removal succeeded, or a revoked grant's add never
 * landed), `revoke_failed` (the removal was refused: the grant stays `revoking` for an admin).
 */
export type GrantOutcome = 'activated' | 'already_member' | 'failed' | 'ended' | 'revoke_failed';

type Settled = Pick<ProvisioningOperationSettledEvent, 'action' | 'status' | 'result' | 'writeUncertain'>;

/**
 * What one settled operation does to its grant (read under its row lock), and whether an add of
 * ours must be undone: an add that landed, or may have landed (a failure after a timeout or 5xx),
 * for a grant that no longer waits for it (revoked before it settled, ended, failed) is taken out
 * again through the outbox (ARCHITECTURE.md rule 3). An add already applied (the grant started) is
 * not applied twice (a retried settlement may offer it again).
 */
export function settledOutcome(
  g: Pick<GrantRow, 'status' | 'starts_at'>,
  o: Settled,
): { outcome: GrantOutcome | null; undo: boolean } {
  const ok = o.status === 'succeeded';
  if (o.action === 'remove_member') {
    if (g.status !== 'revoking') return { outcome: null, undo: false };
    return { outcome: ok ? 'ended' : 'revoke_failed', undo: false };
  }
  const standing = ok && o.result === 'already_member';
  const landed = ok ? !standing : o.writeUncertain;
  // A grant that started had its add applied already (a retried settlement may offer it again).
  if (g.status !== 'provisioning' && g.starts_at !== null) return { outcome: null, undo: false };
  switch (g.status) {
    case 'provisioning':
      if (ok) return { outcome: standing ? 'already_member' : 'activated', undo: false };
      return { outcome: 'failed', undo: landed };
    case 'revoking':
      // Revoked before its add settled: ends now unless a removal of what landed must go first.
      if (standing) return { outcome: 'already_member', undo: false };
      return { outcome: landed ? null : 'ended', undo: landed };
    case 'scheduled':
    case 'active':
    case 'ended':
    case 'failed':
      return { outcome: null, undo: landed };
  }
}

/**
 * Splits operations that settled together into rounds in which each grant appears at most once, so
 * a set-wise statement per round applies a grant's operations in the order they settled.
 */
export function settlementRounds<O extends { sourceId: string }>(ops: O[]): O[][] {
  const rounds: O[][] = [[]];
  for (const o of ops) {
    if (rounds[rounds.length - 1].some((p) => p.sourceId === o.sourceId)) rounds.push([]);
    rounds[rounds.length - 1].push(o);
  }
  return rounds;
}

/**
 * Whether a grant still waits for a retried operation of its own: an add only while the grant is
 * `provisioning` (else the person would get a membership no grant ends); a removal always, since
 * something jumpgate added may remain, except for a grant that found standing access.
 */
export function grantWaitsFor(
  g: Pick<GrantRow, 'status' | 'end_reason'> | undefined,
  action: 'add_member' | 'remove_member',
): boolean {
  return (
    g !== undefined &&
    (action === 'add_member' ? g.status === 'provisioning' : g.end_reason !== 'already_member')
  );
}

/**
 * Whether an add that landed late must be taken out for this grant: it ended or failed, it never
 * found standing access, and no other live grant of the account and group now holds the membership.
 */
export function lateAddNeedsUndo(
  g: Pick<GrantRow, 'status' | 'end_reason'> & { live_other: boolean },
): boolean {
  return (
    (g.status === 'failed' || g.status === 'ended') && g.end_reason !== 'already_member' && !g.live_other
  );
}

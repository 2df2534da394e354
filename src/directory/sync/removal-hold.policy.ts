/** Removals a run held back because they were too many; the next run that agrees applies them. */
export interface HeldRemovals {
  accounts?: HeldRemoval;
  memberships?: HeldRemoval;
}

export interface HeldRemoval {
  count: number;
  /** md5 of the sorted candidate ids: the next run agrees when it would remove exactly the same set. */
  digest: string;
  /** Share of the live rows, rounded to three decimals. */
  share: number;
}

export interface RemovalCandidates {
  kind: 'accounts' | 'memberships';
  count: number;
  digest: string | null;
  /** Live rows before this run (not after its additions). */
  live: number;
}

export type RemovalDecision = { apply: boolean; held?: HeldRemoval };

/**
 * ARCHITECTURE.md rule 1: apply the removals when they are within the hold share of the live rows, or
 * when the previous run held exactly the same set (the next sync agrees); otherwise hold them.
 */
export function decideRemoval(
  candidates: RemovalCandidates,
  holdPercent: number,
  previouslyHeld: HeldRemovals | null,
): RemovalDecision {
  const { kind, count, digest, live } = candidates;
  if (count === 0) return { apply: false };
  const share = live === 0 ? 1 : count / live;
  if (share * 100 <= holdPercent) return { apply: true };
  const previous = previouslyHeld?.[kind];
  if (previous && previous.digest === digest && previous.count === count) return { apply: true };
  return { apply: false, held: { count, digest: digest ?? '', share: Math.round(share * 1000) / 1000 } };
}

import type { Decision, ReviewItem } from '../api/types';

/** One batch of decisions as sent, with what each item held before, so it can be undone. */
export interface DecisionBatch {
  decision: Decision;
  justification: string | null;
  before: { itemId: string; decision: Decision | null; justification: string | null }[];
}

export function batchFor(
  items: readonly ReviewItem[],
  decision: Decision,
  justification: string | null,
): DecisionBatch {
  return {
    decision,
    justification,
    before: items.map((i) => ({
      itemId: i.id,
      decision: i.decision ?? null,
      justification: i.justification,
    })),
  };
}

/**
 * How a batch is undone. The API keeps a decision once made (it may be changed until the campaign
 * closes, never taken back to pending), so items that had a decision get it back, and items that were
 * pending cannot return: they are named so the person can decide them again instead.
 */
export function undoPlan(batch: DecisionBatch): {
  restore: { itemId: string; decision: Decision; justification?: string }[];
  cannotRestore: string[];
} {
  const restore: { itemId: string; decision: Decision; justification?: string }[] = [];
  const cannotRestore: string[] = [];
  for (const b of batch.before) {
    if (b.decision === null) cannotRestore.push(b.itemId);
    else
      restore.push({
        itemId: b.itemId,
        decision: b.decision,
        ...(b.justification ? { justification: b.justification } : {}),
      });
  }
  return { restore, cannotRestore };
}

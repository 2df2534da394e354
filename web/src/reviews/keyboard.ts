/** The review page's keyboard map: one table, shown on the page and used by the handler. */
export type ReviewAction = 'next' | 'previous' | 'select' | 'selectAll' | 'keep' | 'revoke' | 'undo' | 'help';

export const KEYMAP: readonly { action: ReviewAction; keys: readonly string[]; label: string }[] = [
  { action: 'next', keys: ['j', 'ArrowDown'], label: 'next item' },
  { action: 'previous', keys: ['k', 'ArrowUp'], label: 'previous item' },
  { action: 'select', keys: ['x'], label: 'select or unselect the item' },
  { action: 'selectAll', keys: ['*'], label: 'select every item shown, or none' },
  { action: 'keep', keys: ['a'], label: 'keep the selected items (or this one)' },
  { action: 'revoke', keys: ['r'], label: 'revoke the selected items (or this one), with a justification' },
  { action: 'undo', keys: ['u'], label: 'undo the last decision' },
  { action: 'help', keys: ['?'], label: 'show or hide this list' },
];

const BY_KEY = new Map(KEYMAP.flatMap((entry) => entry.keys.map((k) => [k, entry.action] as const)));

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The element the key went to: typing in a field is never a command. */
  targetTag?: string;
  targetEditable?: boolean;
}

export function actionFor(e: KeyLike): ReviewAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const tag = e.targetTag?.toUpperCase();
  if (e.targetEditable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return null;
  return BY_KEY.get(e.key) ?? null;
}

/** The cursor after a move, kept inside the list (an empty list has none). */
export function moveCursor(cursor: number, delta: number, length: number): number {
  if (length === 0) return -1;
  if (cursor < 0) return 0;
  return Math.min(length - 1, Math.max(0, cursor + delta));
}

export function toggle(selected: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selected);
  if (!next.delete(id)) next.add(id);
  return next;
}

/** Which items a keep or revoke applies to: the selection, or else the item under the cursor. */
export function targets(selected: ReadonlySet<string>, cursorId: string | null): string[] {
  if (selected.size > 0) return [...selected];
  return cursorId ? [cursorId] : [];
}

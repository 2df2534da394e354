import { NOTIFICATION_KINDS, type NotificationKind } from '../lib/notification-kinds';

export const PREFERENCE_CHANNELS = ['email', 'slack'] as const;
export type PreferenceChannel = (typeof PREFERENCE_CHANNELS)[number];
export type Matrix = Record<NotificationKind, Record<PreferenceChannel, boolean>>;
type Stored = Partial<Record<string, Partial<Record<PreferenceChannel, boolean>>>>;

/** API.md: these cannot be switched off on every channel at once. */
export const ALWAYS_ON: readonly NotificationKind[] = ['request_to_approve', 'review_escalated'];
/** API.md: sent on every channel whatever the preferences say. */
export const IGNORES_PREFERENCES: readonly NotificationKind[] = ['break_glass_used'];

/** Every kind on both channels, as stored: a kind or channel the person never set is on. */
export function matrixOf(kinds: Stored): Matrix {
  return Object.fromEntries(
    NOTIFICATION_KINDS.map((k) => [
      k,
      { email: kinds[k]?.email !== false, slack: kinds[k]?.slack !== false },
    ]),
  ) as Matrix;
}

/** What keeps the matrix from being saved, in words. */
export function matrixProblems(m: Matrix): string[] {
  return ALWAYS_ON.filter((k) => !m[k].email && !m[k].slack).map(
    (k) => `Keep at least one channel on for "${k}": someone must hear of it.`,
  );
}

/** The PUT body: every kind the person may choose for (break-glass ignores preferences, so it is left out). */
export function toPutBody(m: Matrix): { kinds: Stored } {
  return {
    kinds: Object.fromEntries(
      NOTIFICATION_KINDS.filter((k) => !IGNORES_PREFERENCES.includes(k)).map((k) => [k, { ...m[k] }]),
    ),
  };
}

import {
  NOTIFICATION_KINDS,
  type NotificationKind,
  PREFERENCE_CHANNELS,
  type PreferenceChannel,
} from './notification-kinds';

export type Preferences = Partial<Record<NotificationKind, Partial<Record<PreferenceChannel, boolean>>>>;

// API.md: someone must always hear of these on at least one channel.
const ALWAYS_ON: readonly NotificationKind[] = ['request_to_approve', 'review_escalated'];

/** Problems with a PUT body's `kinds` (unknown kinds or channels, non-booleans, an always-on kind off everywhere). */
export function preferenceProblems(kinds: unknown): string[] {
  if (typeof kinds !== 'object' || kinds === null || Array.isArray(kinds)) return ['kinds must be an object'];
  const problems: string[] = [];
  for (const [kind, channels] of Object.entries(kinds as Record<string, unknown>)) {
    if (!(NOTIFICATION_KINDS as readonly string[]).includes(kind)) {
      problems.push(`kinds.${kind} is not a notification kind`);
      continue;
    }
    if (typeof channels !== 'object' || channels === null || Array.isArray(channels)) {
      problems.push(`kinds.${kind} must be an object of channel: boolean`);
      continue;
    }
    for (const [ch, v] of Object.entries(channels as Record<string, unknown>)) {
      if (!(PREFERENCE_CHANNELS as readonly string[]).includes(ch))
        problems.push(`kinds.${kind}.${ch} is not email or slack`);
      else if (typeof v !== 'boolean') problems.push(`kinds.${kind}.${ch} must be true or false`);
    }
    const c = channels as Partial<Record<PreferenceChannel, boolean>>;
    if (ALWAYS_ON.includes(kind as NotificationKind) && PREFERENCE_CHANNELS.every((ch) => c[ch] === false)) {
      problems.push(`${kind} cannot be switched off on every channel at once`);
    }
  }
  return problems;
}

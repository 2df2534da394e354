import { formatDate } from './format';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago a moment was, as a person says it: "just now", "5 min ago", "3 h ago", "yesterday", "12 days ago". */
export function timeAgo(iso: string, now: number): string {
  const ms = now - new Date(iso).getTime();
  // A clock a little ahead of the browser's: not "in 2 min", just now.
  if (ms < MINUTE) return 'just now';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`;
  const days = Math.floor(ms / DAY);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/**
 * A last sign-in as the pages show it, relative and absolute ("3 days ago (Mar 2, 2027)"); null is
 * what Directory Insights answers when it saw none in the 90 days it keeps, and says only that.
 */
export function lastSignInText(iso: string | null, now: number, locale?: string): string {
  if (iso === null) return 'never seen in 90 days';
  return `${timeAgo(iso, now)} (${formatDate(iso, locale)})`;
}

/** The parts of `GET /accounts/{id}/activity` that say how far its times can be trusted. */
export interface ActivityReadState {
  insights: 'readable' | 'forbidden' | 'unavailable';
  readThrough: string | null;
}

/** Whether the account page's sign-in times mean anything now, in one sentence. */
export function activityReadNote(a: ActivityReadState, now: number): string {
  if (a.readThrough === null)
    return 'Sign-ins have not been read for this connection yet: the times below say nothing.';
  const read = `read ${timeAgo(a.readThrough, now)}`;
  if (a.insights === 'forbidden')
    return `The connection's API key can no longer read Directory Insights: these times were ${read} and are not updated.`;
  if (a.insights === 'unavailable')
    return `Directory Insights did not answer the last read: these times were ${read}.`;
  return `Sign-ins JumpCloud saw, only those made through it (single sign-on and its user portal), over the 90 days it keeps; ${read}.`;
}

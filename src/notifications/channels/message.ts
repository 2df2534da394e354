import { type NotificationKind, type NotificationLinks } from '../notification-kinds';

/** A notification as a channel sends it: links already absolute on PUBLIC_URL. */
export interface OutgoingNotification {
  id: string;
  kind: NotificationKind;
  occurredAt: string;
  recipient: { id: string; email: string; name: string | null };
  subject: { type: string; id: string };
  data: Record<string, unknown>;
  links: NotificationLinks;
}

export interface RenderedMessage {
  subject: string;
  /** Short plain text: what to do, by when, and where (the web app link and the REST route). */
  text: string;
}

const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : fallback;

function when(v: unknown): string {
  const s = str(v);
  if (!s) return 'no date set';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function plural(n: unknown, one: string): string {
  const k = Number(n ?? 0);
  return `${k} ${one}${k === 1 ? '' : 's'}`;
}

type Render = (d: Record<string, unknown>) => { subject: string; lines: string[] };

/** Which approval step the recipient is asked for (request_to_approve carries step, steps, stepKind). */
function stepLine(d: Record<string, unknown>): string[] {
  if (typeof d.step !== 'number' || typeof d.steps !== 'number') return [];
  const who = d.stepKind === 'manager' ? "the requester's manager" : "the group's approvers";
  return [`Step ${d.step} of ${d.steps} (${who}): you are asked for this step.`];
}

/** What the group's `outOfBandAdds` did with a drift, in words. */
const DRIFT_ACTIONS: Record<string, string> = {
  allow: 'accepted (the group policy allows such adds)',
  review: 'sent for review in Drift reviews',
  revert: 'removed through the outbox',
};

// One line of what happened or what to do, per kind; the links follow in every message.
const RENDER: Record<NotificationKind, Render> = {
  campaign_assigned: (d) => ({
    subject: `Access review "${str(d.campaignName)}": ${plural(d.items, 'item')} to review by ${when(d.dueAt)}`,
    lines: [
      `You are a reviewer in the access review "${str(d.campaignName)}".`,
      `${plural(d.items, 'membership')} wait for your decision (keep or revoke), due ${when(d.dueAt)}.`,
    ],
  }),
  review_reminder: (d) => ({
    subject: `Reminder: ${plural(d.pending, 'review')} pending in "${str(d.campaignName)}", due ${when(d.dueAt)}`,
    lines: [
      `${plural(d.pending, 'membership')} still wait for your decision in "${str(d.campaignName)}", due ${when(d.dueAt)}.`,
    ],
  }),
  review_overdue: (d) => ({
    subject: `Overdue: ${plural(d.pending, 'review')} in "${str(d.campaignName)}" were due ${when(d.dueAt)}`,
    lines: [
      `${plural(d.pending, 'membership')} in "${str(d.campaignName)}" were due ${when(d.dueAt)} and still wait for you.`,
      `The campaign closes ${when(d.closesAt)}.`,
    ],
  }),
  review_escalated: (d) => ({
    subject: `Escalated: ${plural(d.items, 'review')} in "${str(d.campaignName)}"`,
    lines: [
      `${plural(d.items, 'overdue review item')} of "${str(d.campaignName)}" moved from ${str(d.fromEmail, 'a reviewer')} to ${str(d.toEmail, 'a new reviewer')}.`,
    ],
  }),
  request_to_approve: (d) => ({
    subject: `Approval needed: ${str(d.requesterEmail)} asks for ${str(d.groupName)}`,
    lines: [
      `${str(d.requesterEmail)} asks for membership of ${str(d.groupName)} for ${str(d.accountEmail, 'their account')}, ${str(d.durationMinutes)} minutes.`,
      `Justification: ${str(d.justification, '(none)')}`,
      ...stepLine(d),
    ],
  }),
  request_decided: (d) => ({
    subject: `Your request for ${str(d.groupName)} was ${str(d.decision)}`,
    lines: [`The request for ${str(d.groupName)} (${str(d.accountEmail)}) was ${str(d.decision)}.`],
  }),
  grant_active: (d) => ({
    subject: `Access to ${str(d.groupName)} is active until ${when(d.expiresAt)}`,
    lines: [`${str(d.accountEmail)} is a member of ${str(d.groupName)} until ${when(d.expiresAt)}.`],
  }),
  grant_expiring: (d) => ({
    subject: `Access to ${str(d.groupName)} ends ${when(d.expiresAt)}`,
    lines: [
      `${str(d.accountEmail)} leaves ${str(d.groupName)} at ${when(d.expiresAt)}.`,
      `To keep it longer, extend it: request the group again in the web app, or POST the API link with {"groupId": "${str(d.groupId)}", "accountId": "${str(d.accountId)}"}.`,
    ],
  }),
  grant_ended: (d) => ({
    subject: `Access to ${str(d.groupName)} has ended`,
    lines: [
      `${str(d.accountEmail)} is no longer a member of ${str(d.groupName)} (${str(d.endReason, 'ended')}).`,
    ],
  }),
  break_glass_used: (d) => ({
    subject: `Break-glass access: ${str(d.accountEmail)} in ${str(d.groupName)}`,
    lines: [
      `${str(d.accountEmail)} used break-glass access to ${str(d.groupName)} for ${str(d.durationMinutes)} minutes: it was granted at once, without approval.`,
      `Justification: ${str(d.justification, '(none)')}`,
      `You are told because you own, approve or administer this group. The group's owner reviews this use afterwards in "Break-glass reviews".`,
    ],
  }),
  remediation_failed: (d) => ({
    subject: `Remediation failed: ${str(d.action)} ${str(d.accountEmail)} in ${str(d.groupName)}`,
    lines: [
      `jumpgate could not ${str(d.action, 'change')} ${str(d.accountEmail)} in ${str(d.groupName)}: ${str(d.error)}`,
    ],
  }),
  sync_failed: (d) => ({
    subject: `Directory sync failed: ${str(d.connectionName)}`,
    lines: [`The sync of ${str(d.connectionName)} failed: ${str(d.error)}`],
  }),
  removals_held: (d) => ({
    subject: `Removals held: ${str(d.count)} in ${str(d.source, 'a sync')}`,
    lines: [`${plural(d.count, 'removal')} (${str(d.scope)}) were held for review instead of applied.`],
  }),
  drift_detected: (d) => ({
    subject: `Drift: ${str(d.accountEmail)} added to ${str(d.groupName)} outside jumpgate`,
    lines: [
      `${str(d.accountEmail)} became a member of ${str(d.groupName)} in JumpCloud without jumpgate.`,
      ...(d.changedByText === undefined ? [] : [`Changed by: ${str(d.changedByText)}.`]),
      ...(d.action === undefined
        ? []
        : [`What jumpgate does: ${DRIFT_ACTIONS[str(d.action)] ?? str(d.action)}.`]),
      ...(typeof d.note === 'string' ? [`Note: ${d.note}.`] : []),
    ],
  }),
  campaign_launch_failed: (d) => ({
    subject: `Campaign launch failed: ${str(d.campaignName)}`,
    lines: [`The campaign "${str(d.campaignName)}" could not launch: ${str(d.error)}`],
  }),
};

export function renderMessage(n: Pick<OutgoingNotification, 'kind' | 'data' | 'links'>): RenderedMessage {
  const { subject, lines } = RENDER[n.kind](n.data);
  const review = n.links.review ? [`Review: ${n.links.review}`] : [];
  return {
    subject,
    text: [...lines, '', `Open: ${n.links.ui}`, ...review, `API: ${n.links.api}`, ''].join('\n'),
  };
}

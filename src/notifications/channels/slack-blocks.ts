import { type OutgoingNotification, renderMessage } from './message';

/** Action ids of the buttons; `POST /integrations/slack/interactions` routes on them. */
export const SLACK_ACTIONS = {
  approve: 'jumpgate.request.approve',
  deny: 'jumpgate.request.deny',
  keep: 'jumpgate.review.keep',
  revoke: 'jumpgate.review.revoke',
} as const;

// Slack allows 50 blocks a message; a digest shows at most this many items with buttons (API.md: 10).
const MAX_DIGEST_ITEMS = 10;

type Block = Record<string, unknown>;

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Block => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/**
 * The message as Slack blocks: the text, a link button to the web app, and the actions a person can
 * take from Slack (Approve/Deny on a request, Keep/Revoke on up to 10 items of a review digest).
 */
export function slackBlocks(n: OutgoingNotification): { text: string; blocks: Block[] } {
  const { subject, text } = renderMessage(n);
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${subject}*\n${text.split('\n\nOpen:')[0]}` } },
  ];
  const actions: Block[] = [{ ...button('Open in jumpgate', 'jumpgate.open', n.id), url: n.links.ui }];
  if (n.kind === 'request_to_approve' && typeof n.data.requestId === 'string') {
    actions.push(
      button('Approve', SLACK_ACTIONS.approve, n.data.requestId, 'primary'),
      button('Deny', SLACK_ACTIONS.deny, n.data.requestId, 'danger'),
    );
  }
  blocks.push({ type: 'actions', elements: actions });
  const preview = Array.isArray(n.data.preview)
    ? (n.data.preview as { itemId: string; label: string }[])
    : [];
  if (n.kind === 'campaign_assigned' || n.kind === 'review_reminder' || n.kind === 'review_overdue') {
    for (const item of preview.slice(0, MAX_DIGEST_ITEMS)) {
      blocks.push(
        { type: 'section', text: { type: 'plain_text', text: item.label } },
        {
          type: 'actions',
          elements: [
            button('Keep', SLACK_ACTIONS.keep, item.itemId, 'primary'),
            button('Revoke', SLACK_ACTIONS.revoke, item.itemId, 'danger'),
          ],
        },
      );
    }
  }
  return { text: subject, blocks };
}

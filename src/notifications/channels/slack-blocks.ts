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
 * The block id of one digest item's buttons: names the notification, so the outcome of a click (or of
 * a modal submitted later) is stored on its row and the message re-rendered with every outcome so far.
 */
export const itemBlockId = (notificationId: string, itemId: string): string =>
  `jg.${notificationId}.${itemId}`;

/** The block id of a request's Approve/Deny: names the notification, like a digest item's. */
export const requestBlockId = (notificationId: string, requestId: string): string =>
  `jg.${notificationId}.request.${requestId}`;

/**
 * Where an outcome is kept on its row. A refusal of a request's button (an approver of a later step
 * clicking early) is a note beside the buttons, since the same person may act once their step comes;
 * every other outcome replaces the buttons (a digest item's refusal does not change with time).
 */
export const outcomeKey = (blockId: string, refused: boolean): string =>
  refused && blockId.includes('.request.') ? `${blockId}.note` : blockId;

const context = (blockId: string, text: string): Block => ({
  type: 'context',
  block_id: blockId,
  elements: [{ type: 'mrkdwn', text }],
});

/** The notification a block belongs to (null for blocks that are not a digest item's or a request's). */
export function notificationOfBlock(blockId: string | undefined): string | null {
  const m = /^jg\.([0-9a-f-]{36})\./.exec(blockId ?? '');
  return m ? m[1] : null;
}

/**
 * The message as Slack blocks: the text, a link button to the web app, and the actions a person can
 * take from Slack (Approve/Deny on a request, Keep/Revoke on up to 10 items of a review digest). An
 * item with an outcome (`outcomes` by block id) shows it instead of its buttons.
 */
export function slackBlocks(
  n: OutgoingNotification,
  outcomes: Record<string, string> = {},
): { text: string; blocks: Block[] } {
  const { subject, text } = renderMessage(n);
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${subject}*\n${text.split('\n\nOpen:')[0]}` } },
  ];
  const links: Block[] = [{ ...button('Open in jumpgate', 'jumpgate.open', n.id), url: n.links.ui }];
  if (n.links.review) links.push({ ...button('Review it', 'jumpgate.review', n.id), url: n.links.review });
  if (n.kind === 'request_to_approve' && typeof n.data.requestId === 'string') {
    const blockId = requestBlockId(n.id, n.data.requestId);
    const outcome = outcomes[blockId];
    const note = outcomes[outcomeKey(blockId, true)];
    if (outcome) {
      blocks.push({ type: 'actions', elements: links }, context(blockId, outcome));
    } else {
      blocks.push({
        type: 'actions',
        block_id: blockId,
        elements: [
          ...links,
          button('Approve', SLACK_ACTIONS.approve, n.data.requestId, 'primary'),
          button('Deny', SLACK_ACTIONS.deny, n.data.requestId, 'danger'),
        ],
      });
      if (note) blocks.push(context(outcomeKey(blockId, true), note));
    }
  } else {
    blocks.push({ type: 'actions', elements: links });
  }
  const preview = Array.isArray(n.data.preview)
    ? (n.data.preview as { itemId: string; label: string }[])
    : [];
  if (n.kind === 'campaign_assigned' || n.kind === 'review_reminder' || n.kind === 'review_overdue') {
    for (const item of preview.slice(0, MAX_DIGEST_ITEMS)) {
      const blockId = itemBlockId(n.id, item.itemId);
      const outcome = outcomes[blockId];
      blocks.push(
        { type: 'section', text: { type: 'plain_text', text: item.label } },
        outcome
          ? context(blockId, outcome)
          : {
              type: 'actions',
              block_id: blockId,
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

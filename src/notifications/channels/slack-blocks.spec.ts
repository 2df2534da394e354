import { type OutgoingNotification } from './message';
import { outcomeKey, requestBlockId, slackBlocks } from './slack-blocks';

const NID = '0e2f7a52-5a4b-4a43-9d0c-0d4f7b0a1b2c';
const RID = '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

const request = (over: Partial<OutgoingNotification> = {}): OutgoingNotification => ({
  id: NID,
  kind: 'request_to_approve',
  occurredAt: '2026-12-06T09:00:00.000Z',
  recipient: { id: 'r', email: 'a@example.com', name: null },
  subject: { type: 'access_request', id: RID },
  data: {
    requestId: RID,
    requesterEmail: 'rhea@example.com',
    groupName: 'VPN',
    accountEmail: 'rhea@example.com',
    durationMinutes: 30,
    justification: 'on call',
    step: 1,
    steps: 2,
    stepKind: 'manager',
  },
  links: {
    ui: 'https://jg.example.test/requests/x',
    api: 'https://jg.example.test/api/v1/access-requests/x',
  },
  ...over,
});

type Block = {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: Record<string, unknown>[];
};
// Blocks are untyped records; the spec reads the fields it asserts.
const blocksOf = (...args: Parameters<typeof slackBlocks>) =>
  slackBlocks(...args).blocks as unknown as Block[];
const ids = (blocks: Block[]) => blocks.flatMap((b) => (b.elements ?? []).map((e) => e.action_id));

describe('Slack blocks of just-in-time notifications', () => {
  it('a request to approve says the step the person is asked for, with Approve/Deny in a block naming the notification', () => {
    const blocks = blocksOf(request());
    expect(blocks[0].text?.text).toContain(
      "Step 1 of 2 (the requester's manager): you are asked for this step.",
    );
    expect(blocks[1]).toMatchObject({ type: 'actions', block_id: requestBlockId(NID, RID) });
    expect(ids(blocks)).toEqual(['jumpgate.open', 'jumpgate.request.approve', 'jumpgate.request.deny']);
  });

  it('a refusal is a note beside the buttons (the step may come); a decision replaces them', () => {
    const blockId = requestBlockId(NID, RID);
    const note = 'Nothing was done: The request waits on step 1';
    const refused = blocksOf(request(), { [outcomeKey(blockId, true)]: note });
    expect(ids(refused)).toContain('jumpgate.request.approve');
    expect(refused.at(-1)).toEqual({
      type: 'context',
      block_id: `${blockId}.note`,
      elements: [{ type: 'mrkdwn', text: note }],
    });
    const decided = blocksOf(request(), {
      [outcomeKey(blockId, true)]: note,
      [outcomeKey(blockId, false)]: 'Approved by m@example.com: the request is pending.',
    });
    expect(ids(decided)).toEqual(['jumpgate.open']);
    expect(decided.at(-1)).toMatchObject({ type: 'context', block_id: blockId });
    // A digest item's refusal still replaces its buttons: it does not change with time.
    expect(outcomeKey(`jg.${NID}.item-1`, true)).toBe(`jg.${NID}.item-1`);
  });

  it('break_glass_used says what happened, why the person is told, and links the review', () => {
    const blocks = blocksOf(
      request({
        kind: 'break_glass_used',
        data: {
          requestId: RID,
          groupName: 'VPN',
          accountEmail: 'rhea@example.com',
          justification: 'down',
          durationMinutes: 15,
        },
        links: {
          ui: 'https://jg.example.test/requests/x',
          api: 'https://jg.example.test/api/v1/access-requests/x',
          review: 'https://jg.example.test/reviews',
        },
      }),
    );
    expect(blocks[0].text?.text).toBe(
      '*Break-glass access: rhea@example.com in VPN*\n' +
        'rhea@example.com used break-glass access to VPN for 15 minutes: it was granted at once, without approval.\n' +
        'Justification: down\n' +
        'You are told because you own, approve or administer this group. The group\'s owner reviews this use afterwards in "Break-glass reviews".',
    );
    expect(blocks[1].elements?.map((e) => [e.action_id, e.url])).toEqual([
      ['jumpgate.open', 'https://jg.example.test/requests/x'],
      ['jumpgate.review', 'https://jg.example.test/reviews'],
    ]);
  });
});

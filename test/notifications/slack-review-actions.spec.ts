import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import { type SlackCall, type SlackStandIn } from '../helpers/notifications';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import {
  buttonClick,
  postSlackInteraction,
  slackPrincipal,
  type SlackBlock as Block,
  startSlackOrg,
  stopSlackOrg,
} from '../helpers/slack';

const SIGNING_SECRET = 'slack-signing-secret-review-actions-spec';

/** Keep and Revoke on a review digest in Slack: signed clicks, a modal for the justification, the REST rules. */
describe('Slack Keep / Revoke on review digests', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let slack: SlackStandIn;
  let admin: TestPrincipal;
  let reviewer: TestPrincipal;
  let campaignId: string;
  let message: { channel: string; ts: string };
  let items: { itemId: string; blockId: string }[];

  const signed = (payload: Record<string, unknown>, secret = SIGNING_SECRET) =>
    postSlackInteraction(t, payload, secret);

  /** A click on a digest's button, with a fresh trigger (Revoke opens a modal with it). */
  function click(slackUser: string, action: 'keep' | 'revoke', item: { itemId: string; blockId: string }) {
    return signed(
      buttonClick({
        user: slackUser,
        actionId: `jumpgate.review.${action}`,
        value: item.itemId,
        blockId: item.blockId,
        channel: message.channel,
        ts: message.ts,
        triggerId: slack.issueTrigger(),
      }),
    );
  }

  /** The modal's submission as Slack posts it: the opened view with the typed answer in its state. */
  function submit(slackUser: string, view: Record<string, unknown>, answer: string | null, secret?: string) {
    return signed(
      {
        type: 'view_submission',
        user: { id: slackUser },
        trigger_id: slack.issueTrigger(),
        view: {
          ...view,
          state: { values: { answer: { answer: { type: 'plain_text_input', value: answer } } } },
        },
      },
      secret,
    );
  }

  const itemRow = async (id: string) =>
    (
      await db.query(`SELECT status, decision, justification, decided_by FROM review_items WHERE id = $1`, [
        id,
      ])
    ).rows[0] as {
      status: string;
      decision: string | null;
      justification: string | null;
      decided_by: string | null;
    };
  const updates = (): SlackCall[] => slack.calls.filter((c) => c.method === 'chat.update');
  const lastBlocks = (): Block[] => updates().at(-1)?.args.blocks as Block[];
  const blockOf = (blocks: Block[], blockId: string) => blocks.find((b) => b.block_id === blockId);
  const outcomeOf = (blockId: string) => blockOf(lastBlocks(), blockId)?.elements?.[0]?.text;

  beforeAll(async () => {
    ({ emu, t, db, connectionId, slack } = await startSlackOrg(
      { seed: 57, sizes: { users: 30, groups: 3, membershipsPerUser: 2, admins: 1, apps: 1 } },
      { signingSecret: SIGNING_SECRET },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    reviewer = await slackPrincipal({ t, slack }, 'U-REV');
    // Someone Slack knows who may not act on anything here.
    await slackPrincipal({ t, slack }, 'U-OTHER');

    const c = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, admin.id, { name: 'Slack review', reviewerIds: [reviewer.id] }),
    );
    campaignId = c.id;
    const digest = await pollUntil(
      async () =>
        (
          await db.query(
            `SELECT id, delivery_ref FROM notifications WHERE kind = 'campaign_assigned' AND recipient_id = $1 AND status = 'sent'`,
            [reviewer.id],
          )
        ).rows[0] as { id: string; delivery_ref: { channel: string; ts: string } } | undefined,
      (r) => r !== undefined,
      () => 'the digest was not sent to the reviewer in Slack',
    );
    message = { channel: digest!.delivery_ref.channel, ts: digest!.delivery_ref.ts };
    const posted = slack.calls.find((x) => x.method === 'chat.postMessage' && x.args.channel === 'D-U-REV');
    items = (posted!.args.blocks as Block[])
      .filter((b) => b.type === 'actions' && b.elements?.some((e) => e.action_id === 'jumpgate.review.keep'))
      .map((b) => ({ itemId: b.elements![0].value!, blockId: b.block_id! }));
  });

  afterAll(() => stopSlackOrg({ db, t, emu, slack }));

  it('sends the reviewer Keep / Revoke for 10 of their more than 10 pending items', async () => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM review_items WHERE campaign_id = $1 AND reviewer_id = $2 AND status = 'pending'`,
      [campaignId, reviewer.id],
    );
    expect(rows[0].n).toBeGreaterThan(10);
    expect(items).toHaveLength(10);
  });

  it('keeps at once on a signed click, audited via slack, and marks only that item in the message', async () => {
    const res = await click('U-REV', 'keep', items[0]);
    expect(res.status).toBe(200);
    expect(await itemRow(items[0].itemId)).toMatchObject({
      status: 'decided',
      decision: 'keep',
      decided_by: reviewer.id,
    });
    const update = updates().at(-1)!;
    expect(update.args).toMatchObject({ channel: message.channel, ts: message.ts });
    expect(outcomeOf(items[0].blockId)).toMatch(new RegExp(`^Kept by ${reviewer.email}: .+ in .+\\.$`));
    // The other items keep their buttons.
    expect(blockOf(lastBlocks(), items[1].blockId)?.type).toBe('actions');
    const { rows } = await db.query(
      `SELECT actor_id, actor_auth, data->>'decision' AS decision FROM audit_events
       WHERE action = 'campaign.item.decided' AND target_id = $1`,
      [items[0].itemId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_id: reviewer.id, decision: 'keep', actor_auth: { via: 'slack' } });
  });

  it('asks for a justification in a modal on Revoke, refuses an empty one, and revokes on submission', async () => {
    const viewsBefore = slack.views.length;
    expect((await click('U-REV', 'revoke', items[1])).status).toBe(200);
    expect(slack.views).toHaveLength(viewsBefore + 1);
    const view = slack.views.at(-1)!;
    expect(view).toMatchObject({ type: 'modal', callback_id: 'jumpgate.review.revoke' });
    expect(JSON.stringify(view.blocks)).toContain('"type":"plain_text_input"');
    // Nothing is decided until the modal is submitted.
    expect((await itemRow(items[1].itemId)).status).toBe('pending');

    const empty = await submit('U-REV', view, '   ');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ response_action: 'errors', errors: { answer: 'Please give a reason.' } });
    expect((await itemRow(items[1].itemId)).status).toBe('pending');

    expect((await submit('U-REV', view, 'Left the team in June', 'not-the-secret')).status).toBe(401);
    expect((await itemRow(items[1].itemId)).status).toBe('pending');

    const done = await submit('U-REV', view, 'Left the team in June');
    expect(done.status).toBe(200);
    expect(await itemRow(items[1].itemId)).toMatchObject({
      status: 'decided',
      decision: 'revoke',
      justification: 'Left the team in June',
      decided_by: reviewer.id,
    });
    // Both outcomes on the message, the rest still with buttons.
    expect(outcomeOf(items[1].blockId)).toMatch(/^Revoked by .+ Reason: Left the team in June$/);
    expect(outcomeOf(items[0].blockId)).toMatch(/^Kept by /);
    expect(blockOf(lastBlocks(), items[2].blockId)?.type).toBe('actions');
  });

  it('says so when Slack refuses the modal (a trigger id used twice) and decides nothing', async () => {
    const reused = slack.issueTrigger();
    const payload = (trigger: string) => ({
      type: 'block_actions',
      user: { id: 'U-REV' },
      trigger_id: trigger,
      actions: [{ action_id: 'jumpgate.review.revoke', value: items[6].itemId, block_id: items[6].blockId }],
      container: { type: 'message', channel_id: message.channel, message_ts: message.ts },
    });
    expect((await signed(payload(reused))).status).toBe(200);
    const viewsAfterFirst = slack.views.length;
    expect((await signed(payload(reused))).status).toBe(200);
    expect(slack.views).toHaveLength(viewsAfterFirst);
    expect(outcomeOf(items[6].blockId)).toBe(
      'Nothing was done: Slack did not open the form in time; try again.',
    );
    expect((await itemRow(items[6].itemId)).status).toBe('pending');
  });

  it('tells someone who is not the reviewer why, opens no modal, and changes nothing', async () => {
    const viewsBefore = slack.views.length;
    expect((await click('U-OTHER', 'keep', items[2])).status).toBe(200);
    expect(outcomeOf(items[2].blockId)).toBe(
      'Nothing was done: Only the assigned reviewer or an admin may decide this item',
    );
    expect((await click('U-OTHER', 'revoke', items[3])).status).toBe(200);
    expect(slack.views).toHaveLength(viewsBefore);
    expect(outcomeOf(items[3].blockId)).toBe(
      'Nothing was done: Only the assigned reviewer or an admin may decide this item',
    );
    expect((await itemRow(items[2].itemId)).status).toBe('pending');
    expect((await itemRow(items[3].itemId)).status).toBe('pending');
  });

  it('refuses an item decided since (Keep or Revoke) and leaves its decision as it was', async () => {
    const viewsBefore = slack.views.length;
    expect((await click('U-REV', 'revoke', items[0])).status).toBe(200);
    expect(slack.views).toHaveLength(viewsBefore);
    expect(outcomeOf(items[0].blockId)).toBe(
      'Nothing was done: This item was already decided (keep); change it in the web app',
    );
    expect((await click('U-REV', 'keep', items[1])).status).toBe(200);
    expect(await itemRow(items[1].itemId)).toMatchObject({
      decision: 'revoke',
      justification: 'Left the team in June',
    });
  });

  it('refuses once the campaign is closed, also for a modal opened before the close', async () => {
    expect((await click('U-REV', 'revoke', items[4])).status).toBe(200);
    const view = slack.views.at(-1)!;
    const close = await t.request('POST', `/api/v1/campaigns/${campaignId}/close`, { token: admin.token });
    expect(close.status).toBe(202);
    await waitForCampaign(t, admin.token, campaignId, 'closed');
    const before = await itemRow(items[4].itemId);

    expect((await submit('U-REV', view, 'too late')).status).toBe(200);
    expect(outcomeOf(items[4].blockId)).toBe(
      'Nothing was done: The campaign is closed; decisions are closed',
    );
    expect((await click('U-REV', 'keep', items[5])).status).toBe(200);
    expect(outcomeOf(items[5].blockId)).toBe(
      'Nothing was done: The campaign is closed; decisions are closed',
    );
    expect(await itemRow(items[4].itemId)).toEqual(before);
    expect((await itemRow(items[5].itemId)).decision).toBeNull();
  });
});

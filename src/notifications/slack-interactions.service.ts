import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { type WebClient } from '@slack/web-api';
import { actorOf } from '../auth/actor-of';
import { AuthService } from '../auth/auth.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { type OpenChannel } from './channels/channel-sender';
import { notificationOfBlock, outcomeKey, slackBlocks } from './channels/slack-blocks';
import { slackErrorCode, SlackSender } from './channels/slack.sender';
import { NotificationChannelsService } from './notification-channels.service';
import { NotificationDeliveryService } from './notification-delivery.service';
import { NotificationsRepository } from './notifications.repository';

/** A question a button asks before it acts: one text answer in a Slack modal (`views.open`). */
export interface SlackQuestion {
  title: string;
  label: string;
  submit: string;
}

/** What a button does, as the clicking person: the outcome to show, or a question to ask first. */
export type SlackActionHandler = (actor: Actor, value: string) => Promise<string | { ask: SlackQuestion }>;
/** What the answer to a button's question does (the modal's `view_submission`): the outcome to show. */
export type SlackAnswerHandler = (actor: Actor, value: string, answer: string) => Promise<string>;

/** What the route answers Slack: nothing (200), or a modal's field errors (Slack keeps it open). */
export type SlackReply = { response_action: 'errors'; errors: Record<string, string> } | undefined;

// Slack's rule: a request older than five minutes may be a replay.
const MAX_AGE_SECONDS = 5 * 60;
// The one input of a question modal: its block and action id.
const ANSWER = 'answer';

interface InteractionPayload {
  type: string;
  user?: { id?: string };
  trigger_id?: string;
  actions?: { action_id?: string; value?: string; block_id?: string }[];
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts?: string };
  view?: {
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
}

/** Where the clicked button was, kept in a question modal's private_metadata until it is answered. */
interface Origin {
  value: string;
  channel?: string;
  ts?: string;
  blockId?: string;
}

/** Nothing was done, and why: shown to the person who clicked (a refusal may change with time). */
class Refusal {
  constructor(readonly text: string) {}
}

/** Slack's signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `POST /integrations/slack/interactions`: checks Slack's signature against each enabled Slack
 * channel's signing secret (401 when none verifies or the timestamp is stale), finds the clicking
 * person by the email `users.info` gives, runs the handler a domain registered for the button as that
 * person (the REST rules apply; audit says `via: "slack"` and the channel), and updates the message.
 * A button may first ask a question in a modal; its `view_submission` then runs the answer handler.
 */
@Injectable()
export class SlackInteractionsService {
  private readonly logger = new Logger(SlackInteractionsService.name);
  private readonly handlers = new Map<string, { act: SlackActionHandler; answer?: SlackAnswerHandler }>();

  constructor(
    private readonly channels: NotificationChannelsService,
    private readonly slack: SlackSender,
    private readonly auth: AuthService,
    private readonly notifications: NotificationsRepository,
    private readonly delivery: NotificationDeliveryService,
  ) {}

  /** Domains register the buttons they own at module init (notifications knows none of them). */
  registerAction(actionId: string, act: SlackActionHandler, answer?: SlackAnswerHandler): void {
    this.handlers.set(actionId, { act, answer });
  }

  private async verify(
    raw: string,
    timestamp: string | undefined,
    signature: string | undefined,
  ): Promise<OpenChannel> {
    const ts = Number(timestamp);
    if (
      !timestamp ||
      !signature ||
      !Number.isInteger(ts) ||
      Math.abs(Date.now() / 1000 - ts) > MAX_AGE_SECONDS
    ) {
      throw new AppError('unauthenticated', 'Missing or stale Slack signature');
    }
    for (const channel of await this.channels.openAllEnabled('slack')) {
      if (sameText(slackSignature(String(channel.config.signingSecret), timestamp, raw), signature))
        return channel;
    }
    throw new AppError('unauthenticated', 'The Slack signature does not verify');
  }

  async handle(
    raw: string,
    timestamp: string | undefined,
    signature: string | undefined,
  ): Promise<SlackReply> {
    const channel = await this.verify(raw, timestamp, signature);
    let payload: InteractionPayload;
    try {
      payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '') as InteractionPayload;
    } catch {
      throw new AppError('validation_failed', 'payload is not JSON');
    }
    if (!payload.user?.id) return undefined;
    const client = this.slack.client(channel);
    if (payload.type === 'block_actions') {
      await this.onButton(channel, client, payload.user.id, payload);
      return undefined;
    }
    if (payload.type === 'view_submission') return this.onAnswer(channel, client, payload.user.id, payload);
    return undefined;
  }

  private async onButton(
    channel: OpenChannel,
    client: WebClient,
    slackUserId: string,
    payload: InteractionPayload,
  ): Promise<void> {
    const action = payload.actions?.[0];
    const handler = action?.action_id ? this.handlers.get(action.action_id) : undefined;
    if (!action?.action_id || !handler) return;
    const origin: Origin = {
      value: action.value ?? '',
      channel: payload.container?.channel_id ?? payload.channel?.id,
      ts: payload.container?.message_ts ?? payload.message?.ts,
      blockId: action.block_id,
    };
    const result = await this.act(channel, client, slackUserId, (actor) => handler.act(actor, origin.value));
    if (result instanceof Refusal) return this.showOutcome(client, origin, result.text, true);
    if (typeof result === 'string') return this.showOutcome(client, origin, result, false);
    if (!handler.answer || !payload.trigger_id) {
      return this.showOutcome(client, origin, 'Nothing was done: this needs the web app.', true);
    }
    const opened = await this.openQuestion(client, payload.trigger_id, action.action_id, origin, result.ask);
    if (!opened) {
      await this.showOutcome(
        client,
        origin,
        'Nothing was done: Slack did not open the form in time; try again.',
        true,
      );
    }
  }

  /** The question modal; false when Slack refuses it (a trigger id lives 3 seconds and works once). */
  private async openQuestion(
    client: WebClient,
    triggerId: string,
    actionId: string,
    origin: Origin,
    ask: SlackQuestion,
  ): Promise<boolean> {
    try {
      await client.views.open({
        trigger_id: triggerId,
        view: {
          type: 'modal',
          callback_id: actionId,
          private_metadata: JSON.stringify(origin),
          title: { type: 'plain_text', text: ask.title.slice(0, 24) },
          submit: { type: 'plain_text', text: ask.submit.slice(0, 24) },
          close: { type: 'plain_text', text: 'Cancel' },
          blocks: [
            {
              type: 'input',
              block_id: ANSWER,
              label: { type: 'plain_text', text: ask.label },
              element: { type: 'plain_text_input', action_id: ANSWER, multiline: true, max_length: 2000 },
            },
          ],
        },
      });
      return true;
    } catch (err) {
      const code = slackErrorCode(err);
      if (code !== 'expired_trigger_id' && code !== 'invalid_trigger_id') throw err;
      return false;
    }
  }

  private async onAnswer(
    channel: OpenChannel,
    client: WebClient,
    slackUserId: string,
    payload: InteractionPayload,
  ): Promise<SlackReply> {
    const answerHandler = this.handlers.get(payload.view?.callback_id ?? '')?.answer;
    if (!answerHandler) return undefined;
    let origin: Origin;
    try {
      origin = JSON.parse(payload.view?.private_metadata ?? '') as Origin;
    } catch {
      return undefined;
    }
    const answer = payload.view?.state?.values?.[ANSWER]?.[ANSWER]?.value?.trim() ?? '';
    if (!answer) return { response_action: 'errors', errors: { [ANSWER]: 'Please give a reason.' } };
    const outcome = await this.act(channel, client, slackUserId, (actor) =>
      answerHandler(actor, origin.value, answer),
    );
    if (outcome instanceof Refusal) await this.showOutcome(client, origin, outcome.text, true);
    else await this.showOutcome(client, origin, outcome, false);
    return undefined;
  }

  /**
   * The outcome on the message: a digest item's block is replaced by it (the row keeps every outcome,
   * so the other items keep their buttons and earlier outcomes); any other message becomes the outcome.
   */
  private async showOutcome(
    client: WebClient,
    origin: Origin,
    outcome: string,
    refused: boolean,
  ): Promise<void> {
    const { channel, ts, blockId } = origin;
    if (!channel || !ts) return;
    const notificationId = notificationOfBlock(blockId);
    const row =
      notificationId && blockId
        ? await this.notifications.recordSlackOutcome(
            notificationId,
            { channel, ts },
            outcomeKey(blockId, refused),
            outcome,
          )
        : null;
    if (row) {
      const outcomes = (row.delivery_ref?.outcomes ?? {}) as Record<string, string>;
      await client.chat.update({ channel, ts, ...slackBlocks(this.delivery.outgoing(row), outcomes) });
      return;
    }
    await client.chat.update({
      channel,
      ts,
      text: outcome,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: outcome } }],
    });
  }

  private async act<T>(
    channel: OpenChannel,
    client: WebClient,
    slackUserId: string,
    run: (actor: Actor) => Promise<T>,
  ): Promise<T | Refusal> {
    const info = await client.users.info({ user: slackUserId });
    const email = info.user?.profile?.email;
    const [p] = email ? await this.auth.principalRowsByEmails([email]) : [];
    if (!p || p.disabled) {
      return new Refusal('Nothing was done: no enabled jumpgate principal has your Slack email.');
    }
    try {
      return await run(actorOf(p, { via: 'slack', channelId: channel.id }));
    } catch (err) {
      if (err instanceof AppError) return new Refusal(`Nothing was done: ${err.message}`);
      this.logger.error({ err, channelId: channel.id }, 'Slack action failed');
      return new Refusal('Nothing was done: jumpgate could not complete this; try the web app.');
    }
  }
}

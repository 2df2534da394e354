import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { actorOf } from '../auth/actor-of';
import { AuthService } from '../auth/auth.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { type OpenChannel } from './channels/channel-sender';
import { SlackSender } from './channels/slack.sender';
import { NotificationChannelsService } from './notification-channels.service';

/** What a domain does for one button: acts as the clicking person, returns the outcome to show. */
export type SlackActionHandler = (actor: Actor, value: string) => Promise<string>;

// Slack's rule: a request older than five minutes may be a replay.
const MAX_AGE_SECONDS = 5 * 60;

interface BlockActionsPayload {
  type: string;
  user?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts?: string };
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
 */
@Injectable()
export class SlackInteractionsService {
  private readonly logger = new Logger(SlackInteractionsService.name);
  private readonly handlers = new Map<string, SlackActionHandler>();

  constructor(
    private readonly channels: NotificationChannelsService,
    private readonly slack: SlackSender,
    private readonly auth: AuthService,
  ) {}

  /** Domains register the buttons they own at module init (notifications knows none of them). */
  registerAction(actionId: string, handler: SlackActionHandler): void {
    this.handlers.set(actionId, handler);
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

  async handle(raw: string, timestamp: string | undefined, signature: string | undefined): Promise<void> {
    const channel = await this.verify(raw, timestamp, signature);
    let payload: BlockActionsPayload;
    try {
      payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '') as BlockActionsPayload;
    } catch {
      throw new AppError('validation_failed', 'payload is not JSON');
    }
    const action = payload.actions?.[0];
    const handler = action?.action_id ? this.handlers.get(action.action_id) : undefined;
    if (payload.type !== 'block_actions' || !action || !handler || !payload.user?.id) return;
    const client = this.slack.client(channel);
    const outcome = await this.act(channel, client, payload.user.id, handler, action.value ?? '');
    const where = payload.container?.channel_id ?? payload.channel?.id;
    const ts = payload.container?.message_ts ?? payload.message?.ts;
    if (!where || !ts) return;
    await client.chat.update({
      channel: where,
      ts,
      text: outcome,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: outcome } }],
    });
  }

  private async act(
    channel: OpenChannel,
    client: ReturnType<SlackSender['client']>,
    slackUserId: string,
    handler: SlackActionHandler,
    value: string,
  ): Promise<string> {
    const info = await client.users.info({ user: slackUserId });
    const email = info.user?.profile?.email;
    const [p] = email ? await this.auth.principalRowsByEmails([email]) : [];
    if (!p || p.disabled) return 'Nothing was done: no enabled jumpgate principal has your Slack email.';
    try {
      return await handler(actorOf(p, { via: 'slack', channelId: channel.id }), value);
    } catch (err) {
      if (err instanceof AppError) return `Nothing was done: ${err.message}`;
      this.logger.error({ err, channelId: channel.id }, 'Slack action failed');
      return 'Nothing was done: jumpgate could not complete this; try the web app.';
    }
  }
}

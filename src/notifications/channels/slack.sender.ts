import { Inject, Injectable } from '@nestjs/common';
import { WebClient } from '@slack/web-api';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { type ChannelSender, type DeliveryRef, type OpenChannel } from './channel-sender';
import { type OutgoingNotification } from './message';
import { slackBlocks } from './slack-blocks';

/** Slack's error code on a failed call (`users_not_found`, `channel_not_found`, ...), if it gave one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * Slack through its Web API: a direct message to the person found by email, else the channel's
 * default channel. Retries are the notification worker's (with backoff), not the client's.
 */
@Injectable()
export class SlackSender implements ChannelSender {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  client(channel: OpenChannel): WebClient {
    return new WebClient(String(channel.config.botToken), {
      slackApiUrl: this.config.slackApiUrl,
      retryConfig: { retries: 0 },
      timeout: this.config.notificationTimeoutMs,
    });
  }

  /** The Slack channel to post to for this person: their DM, else the default channel, else null. */
  private async destination(client: WebClient, channel: OpenChannel, email: string): Promise<string | null> {
    try {
      const found = await client.users.lookupByEmail({ email });
      if (found.user?.id) {
        const dm = await client.conversations.open({ users: found.user.id });
        if (dm.channel?.id) return dm.channel.id;
      }
    } catch (err) {
      if (slackErrorCode(err) !== 'users_not_found') throw err;
    }
    const fallback = channel.config.defaultChannel;
    return typeof fallback === 'string' && fallback ? fallback : null;
  }

  async send(channel: OpenChannel, n: OutgoingNotification): Promise<DeliveryRef> {
    const client = this.client(channel);
    const to = await this.destination(client, channel, n.recipient.email);
    if (!to) throw new Error('no Slack user has this email and the channel has no defaultChannel');
    const posted = await client.chat.postMessage({ channel: to, ...slackBlocks(n) });
    return { channel: posted.channel ?? to, ts: posted.ts ?? null };
  }

  async test(channel: OpenChannel): Promise<void> {
    await this.client(channel).auth.test();
  }
}

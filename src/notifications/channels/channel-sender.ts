import { type ChannelType } from '../notification-kinds';
import { type OutgoingNotification } from './message';

/** A channel with its config opened (secrets in clear: never returned, logged or audited). */
export interface OpenChannel {
  id: string;
  type: ChannelType;
  /** Changes whenever the config does: senders key their cached clients by it. */
  version: string;
  config: Record<string, unknown>;
}

/** Where a message went, kept on the row (a Slack message's channel and ts, for chat.update). */
export type DeliveryRef = Record<string, unknown> | null;

/** One channel type's delivery: throws on failure (the worker retries with backoff). */
export interface ChannelSender {
  send(channel: OpenChannel, n: OutgoingNotification): Promise<DeliveryRef>;
  /** POST /notification-channels/{id}/test: throws with a readable reason when it cannot deliver. */
  test(channel: OpenChannel): Promise<void>;
}

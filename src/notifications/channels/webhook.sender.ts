import { createHmac, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { type ChannelSender, type DeliveryRef, type OpenChannel } from './channel-sender';
import { type OutgoingNotification } from './message';

/** API.md: `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with the channel's secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Webhooks: a signed POST; 2xx is delivered, anything else (or no answer in time) is retried. */
@Injectable()
export class WebhookSender implements ChannelSender {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private async post(channel: OpenChannel, deliveryId: string, payload: unknown): Promise<void> {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(String(channel.config.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'jumpgate-webhook',
        'X-Jumpgate-Timestamp': timestamp,
        'X-Jumpgate-Signature': webhookSignature(String(channel.config.secret), timestamp, body),
        'X-Jumpgate-Delivery': deliveryId,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.notificationTimeoutMs),
    });
    // The receiver's body is not read into errors: it is not ours to log.
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) throw new Error(`webhook answered HTTP ${res.status}`);
  }

  async send(channel: OpenChannel, n: OutgoingNotification): Promise<DeliveryRef> {
    await this.post(channel, n.id, {
      id: n.id,
      kind: n.kind,
      occurredAt: n.occurredAt,
      recipient: { id: n.recipient.id, email: n.recipient.email },
      subject: n.subject,
      data: n.data,
      links: n.links,
    });
    return null;
  }

  async test(channel: OpenChannel): Promise<void> {
    const id = randomUUID();
    await this.post(channel, id, { id, kind: 'test', occurredAt: new Date().toISOString(), data: {} });
  }
}

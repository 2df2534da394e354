import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { jobAttempts } from '../platform/queue/jobs';
import { type OutgoingNotification } from './channels/message';
import { type NotificationLinks } from './notification-kinds';
import { NotificationChannelsService } from './notification-channels.service';
import { type ClaimedNotification, NotificationsRepository } from './notifications.repository';

/** Thrown so BullMQ retries the job with backoff; the row already says why. */
export class DeliveryRetry extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryRetry';
  }
}

/** Every link absolute on PUBLIC_URL (API.md); outside production, the server's own address. */
export function absoluteLinks(base: string, links: NotificationLinks): NotificationLinks {
  return {
    ui: new URL(links.ui, base).toString(),
    api: new URL(links.api, base).toString(),
    ...(links.review ? { review: new URL(links.review, base).toString() } : {}),
  };
}

/**
 * One delivery of one row: claim it (a conditional UPDATE, so two workers never send it at once),
 * send it on its channel, mark it sent. A failed send waits for the next attempt; the row's own
 * attempt count, which survives a Redis flush, ends it `failed` after the bounded number.
 */
@Injectable()
export class NotificationDeliveryService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly channels: NotificationChannelsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get baseUrl(): string {
    return this.config.publicUrl ?? `http://localhost:${this.config.port}`;
  }

  // Longer than any one send may take (each transport times out first), so a claim outlives its send.
  private get leaseMs(): number {
    return 3 * this.config.notificationTimeoutMs + 30_000;
  }

  outgoing(row: ClaimedNotification): OutgoingNotification {
    return {
      id: row.id,
      kind: row.kind,
      occurredAt: row.created_at.toISOString(),
      recipient: { id: row.recipient_id, email: row.recipient_email, name: row.recipient_name },
      subject: { type: row.subject_type, id: row.subject_id },
      data: row.data,
      links: absoluteLinks(this.baseUrl, row.links),
    };
  }

  async deliver(notificationId: string): Promise<void> {
    const row = await this.repo.claim(notificationId, this.leaseMs);
    // Sent, failed, suppressed, or another worker holds it: nothing to do here.
    if (!row) return;
    const maxAttempts = jobAttempts('notify');
    const channel = await this.channels.openEnabled(row.channel_id);
    if (!channel) {
      await this.repo.markAttemptFailed(row.id, 'the channel was disabled or deleted', true);
      return;
    }
    let ref: Record<string, unknown> | null;
    try {
      ref = await this.channels.senderFor(channel.type).send(channel, this.outgoing(row));
    } catch (err) {
      const error = this.channels.errorText(channel, err);
      const final = row.attempts >= maxAttempts;
      await this.repo.markAttemptFailed(row.id, error, final);
      this.channels.logFailure(channel, row.id, err);
      if (final) return;
      throw new DeliveryRetry(error);
    }
    await this.repo.markSent(row.id, ref);
  }
}

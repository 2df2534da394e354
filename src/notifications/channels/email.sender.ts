import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { type ChannelSender, type DeliveryRef, type OpenChannel } from './channel-sender';
import { type OutgoingNotification, renderMessage } from './message';

/** Email through SMTP with nodemailer: one pooled transport per channel config, reused by every send. */
@Injectable()
export class EmailSender implements ChannelSender, OnModuleDestroy {
  private readonly transports = new Map<string, { version: string; transport: Transporter }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private transportFor(channel: OpenChannel): Transporter {
    const cached = this.transports.get(channel.id);
    if (cached?.version === channel.version) return cached.transport;
    cached?.transport.close();
    const t = this.config.notificationTimeoutMs;
    const transport = createTransport({
      url: String(channel.config.smtpUrl),
      pool: true,
      maxConnections: 5,
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
    });
    this.transports.set(channel.id, { version: channel.version, transport });
    return transport;
  }

  async send(channel: OpenChannel, n: OutgoingNotification): Promise<DeliveryRef> {
    const { subject, text } = renderMessage(n);
    const info = (await this.transportFor(channel).sendMail({
      from: String(channel.config.from),
      to: n.recipient.email,
      subject,
      text,
      // A stable Message-ID per notification lets a mail system spot a resend of the same row.
      messageId: `<${n.id}@jumpgate>`,
      headers: { 'X-Jumpgate-Notification': n.id },
    })) as { messageId?: string };
    return { messageId: info.messageId ?? null };
  }

  async test(channel: OpenChannel): Promise<void> {
    await this.transportFor(channel).verify();
  }

  onModuleDestroy(): void {
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
  }
}

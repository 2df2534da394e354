import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor, systemActor } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { AppError, notFound } from '../platform/http/app-error';
import { type Page } from '../platform/http/pagination';
import { openJson, resealRow, sealJson } from '../platform/secrets/sealed-column';
import { SecretBox } from '../platform/secrets/secret-box';
import { channelConfigProblems, publicConfig, scrub, secretValues } from './channel-config.policy';
import { type ChannelSender, type OpenChannel } from './channels/channel-sender';
import { EmailSender } from './channels/email.sender';
import { SlackSender } from './channels/slack.sender';
import { WebhookSender } from './channels/webhook.sender';
import {
  type ChannelResponse,
  type ChannelTestResponse,
  type CreateChannelDto,
  toChannelResponse,
  type UpdateChannelDto,
} from './dto/notification.dto';
import { type ChannelType } from './notification-kinds';
import {
  CHANNEL_CONFIG,
  type ChannelRow,
  NotificationChannelsRepository,
} from './notification-channels.repository';

// One key for "create the default email channel": two processes starting at once make one.
const DEFAULT_EMAIL_LOCK = 0x6a67_6e31;

/**
 * Notification channels: CRUD with the config sealed like connection credentials (bound to the
 * channel id) and never returned in clear, the `/test` probe, and the `default email` channel from
 * SMTP_URL and MAIL_FROM at start.
 */
@Injectable()
export class NotificationChannelsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationChannelsService.name);
  private readonly box: SecretBox;
  private readonly senders: Record<ChannelType, ChannelSender>;
  /**
   * Opened configs by channel id, each valid for the `updated_at` it was opened at: a delivery reads
   * the row (enabled? changed?) but decrypts only when the config changed since, here or in another
   * process (every change, a reseal included, moves `updated_at`).
   */
  private readonly opened = new Map<string, OpenChannel>();

  constructor(
    private readonly repo: NotificationChannelsRepository,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    email: EmailSender,
    slack: SlackSender,
    webhook: WebhookSender,
  ) {
    this.box = new SecretBox(config.encryptionKey, config.encryptionKeyPrevious);
    this.senders = { email, slack, webhook };
  }

  senderFor(type: ChannelType): ChannelSender {
    return this.senders[type];
  }

  async onApplicationBootstrap(): Promise<void> {
    const { smtpUrl, mailFrom } = this.config;
    if (!smtpUrl || !mailFrom) return;
    await this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [DEFAULT_EMAIL_LOCK]);
      if (await this.repo.anyOfType(m, 'email')) return;
      const row = await this.insertChannel(m, 'email', 'default email', true, { smtpUrl, from: mailFrom });
      await this.audit.record(m, systemActor('notifications'), {
        action: 'notification_channel.created',
        targetType: 'notification_channel',
        targetId: row.id,
        data: { type: 'email', name: row.name, from: 'SMTP_URL and MAIL_FROM' },
      });
    });
  }

  private checkConfig(type: ChannelType, config: Record<string, unknown>, enabled: boolean): void {
    const problems = channelConfigProblems(type, config);
    if (enabled && this.config.nodeEnv === 'production' && !this.config.publicUrl) {
      problems.push('PUBLIC_URL must be set before a channel is enabled: every link is absolute');
    }
    if (problems.length > 0) throw new AppError('validation_failed', problems.join('; '));
  }

  private async insertChannel(
    m: EntityManager,
    type: ChannelType,
    name: string,
    enabled: boolean,
    config: Record<string, unknown>,
  ): Promise<ChannelRow> {
    const id = randomUUID();
    return this.repo.insert(m, {
      id,
      type,
      name,
      enabled,
      config_sealed: sealJson(this.box, config, id),
      config_public: publicConfig(type, config),
    });
  }

  async create(actor: Actor, dto: CreateChannelDto): Promise<ChannelResponse> {
    const enabled = dto.enabled ?? true;
    this.checkConfig(dto.type, dto.config, enabled);
    const row = await this.dataSource.transaction(async (m) => {
      const created = await this.insertChannel(m, dto.type, dto.name, enabled, dto.config);
      // Names of fields only: a secret, even masked, is not audit data.
      await this.audit.record(m, actor, {
        action: 'notification_channel.created',
        targetType: 'notification_channel',
        targetId: created.id,
        data: { type: dto.type, name: dto.name, enabled, configFields: Object.keys(dto.config).sort() },
      });
      return created;
    });
    return toChannelResponse(row);
  }

  async list(_actor: Actor, limit: number, cursor?: string): Promise<Page<ChannelResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.list(ks), toChannelResponse);
  }

  async get(_actor: Actor, id: string): Promise<ChannelResponse> {
    const row = await this.repo.get(id);
    if (!row) throw notFound('Notification channel');
    return toChannelResponse(row);
  }

  async update(actor: Actor, id: string, dto: UpdateChannelDto): Promise<ChannelResponse> {
    const row = await this.dataSource.transaction(async (m) => {
      const current = await this.repo.get(id, m, true);
      if (!current) throw notFound('Notification channel');
      const config = { ...this.openRow(current).config, ...(dto.config ?? {}) };
      const enabled = dto.enabled ?? current.enabled;
      this.checkConfig(current.type, config, enabled);
      const patch: Parameters<NotificationChannelsRepository['update']>[2] = {};
      if (dto.name !== undefined) patch.name = dto.name;
      if (dto.enabled !== undefined) patch.enabled = dto.enabled;
      if (dto.config !== undefined) {
        patch.config_sealed = sealJson(this.box, config, id);
        patch.config_public = publicConfig(current.type, config);
      }
      if (Object.keys(patch).length === 0) return current;
      const updated = await this.repo.update(m, id, patch);
      await this.audit.record(m, actor, {
        action: 'notification_channel.updated',
        targetType: 'notification_channel',
        targetId: id,
        data: {
          name: dto.name,
          enabled: dto.enabled,
          configFields: dto.config ? Object.keys(dto.config).sort() : undefined,
        },
      });
      return updated;
    });
    return toChannelResponse(row);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const current = await this.repo.get(id, m, true);
      if (!current) throw notFound('Notification channel');
      await this.repo.markDeleted(m, id);
      await this.audit.record(m, actor, {
        action: 'notification_channel.deleted',
        targetType: 'notification_channel',
        targetId: id,
        data: { type: current.type, name: current.name },
      });
    });
  }

  async test(_actor: Actor, id: string): Promise<ChannelTestResponse> {
    const row = await this.repo.get(id);
    if (!row) throw notFound('Notification channel');
    const channel = this.openRow(row);
    try {
      await this.senders[row.type].test(channel);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: this.errorText(channel, err) };
    }
  }

  /** A failure as text safe to store, return and log: every secret of the channel scrubbed. */
  errorText(channel: OpenChannel, err: unknown): string {
    const raw = err instanceof Error ? err.message : String(err);
    return scrub(raw, secretValues(channel.type, channel.config)).slice(0, 500);
  }

  openRow(row: ChannelRow): OpenChannel {
    const version = row.updated_at.toISOString();
    const cached = this.opened.get(row.id);
    if (cached?.version === version) return cached;
    let opened: { value: Record<string, unknown>; stale: boolean };
    try {
      opened = openJson<Record<string, unknown>>(this.box, row.config_sealed, row.id);
    } catch {
      throw new AppError(
        'invalid_state',
        'The stored channel config cannot be decrypted with the configured ENCRYPTION_KEY',
      );
    }
    if (opened.stale) {
      // Sealed under ENCRYPTION_KEY_PREVIOUS: reseal under the current key as we go (not cached: the
      // reseal moves updated_at).
      void this.dataSource
        .transaction((m) => resealRow(m, this.box, CHANNEL_CONFIG, row.id))
        .catch((err: unknown) => this.logger.warn({ err, channelId: row.id }, 'channel config not resealed'));
    }
    const channel: OpenChannel = { id: row.id, type: row.type, version, config: opened.value };
    if (!opened.stale) this.opened.set(row.id, channel);
    return channel;
  }

  /** The channel a delivery goes to, opened; null when it was deleted or disabled since. */
  async openEnabled(id: string): Promise<OpenChannel | null> {
    const row = await this.repo.get(id);
    if (!row?.enabled) {
      this.opened.delete(id);
      return null;
    }
    return this.openRow(row);
  }

  /** Enabled channels of one type, opened (Slack interactions check each one's signing secret). */
  async openAllEnabled(type: ChannelType): Promise<OpenChannel[]> {
    return (await this.repo.listEnabled(type)).map((r) => this.openRow(r));
  }

  logFailure(channel: OpenChannel, notificationId: string, err: unknown): void {
    this.logger.warn(
      { notificationId, channelId: channel.id, error: this.errorText(channel, err) },
      'notification not delivered yet',
    );
  }
}

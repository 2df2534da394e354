import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type Actor } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { JobQueue } from '../platform/queue/job-queue';
import { type NotificationResponse, toNotificationResponse } from './dto/notification.dto';
import { type NotifyInput } from './notification-kinds';
import { type Expansion, type NotificationFilter, NotificationsRepository } from './notifications.repository';

// A row younger than this is being dispatched by the code that wrote it: the relay leaves it alone.
const RELAY_MIN_AGE_MS = 3_000;
const RELAY_BATCH = 5_000;

/**
 * What other domains call: `notify` inside the transaction of the event (the notification outbox,
 * like provisioning's), `dispatch` after it commits; the relay re-enqueues what Redis lost.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly jobs: JobQueue,
  ) {}

  /**
   * Writes one row per recipient and enabled channel in the caller's transaction (suppressed where
   * a preference says no; break_glass_used ignores preferences). Returns the pending rows' ids for
   * `dispatch` after the commit; a repeat of the same key adds nothing.
   */
  async notify(m: EntityManager, input: NotifyInput): Promise<string[]> {
    return this.notifyMany(m, [input]);
  }

  /** `notify` for many events of one transaction in one statement (e.g. every grant a settlement moved). */
  async notifyMany(m: EntityManager, inputs: NotifyInput[]): Promise<string[]> {
    if (!m.queryRunner?.isTransactionActive) {
      throw new Error(
        'NotificationsService.notify must run inside the transaction of the event that causes it',
      );
    }
    return this.repo.insertExpanded(
      m,
      inputs.flatMap((input): Expansion[] => {
        const admins = !Array.isArray(input.recipients);
        const all = Array.isArray(input.recipients) ? input.recipients : [];
        if (!admins && all.length === 0) return [];
        return [
          {
            kind: input.kind,
            recipients: all.flatMap((r) =>
              typeof r === 'string' ? [{ id: r }] : 'id' in r ? [{ id: r.id, extra: r.data }] : [],
            ),
            recipientEmails: all.flatMap((r) =>
              typeof r === 'object' && 'email' in r ? [r.email.toLowerCase()] : [],
            ),
            admins,
            subjectType: input.subject.type,
            subjectId: input.subject.id,
            period: input.period ?? '',
            data: input.data,
            links: input.links,
            ignorePreferences: input.kind === 'break_glass_used',
          },
        ];
      }),
    );
  }

  /** Hands rows to the queue after the commit; what Redis refuses the relay sends later. */
  async dispatch(notificationIds: string[]): Promise<void> {
    await this.jobs.enqueue(
      notificationIds.map((notificationId) => ({ name: 'notify', data: { notificationId } })),
    );
  }

  /** Pending rows Postgres holds but Redis does not (a flush, a crash between commit and dispatch). */
  async relay(): Promise<number> {
    const pending = await this.repo.getPendingForRelay(RELAY_MIN_AGE_MS, RELAY_BATCH);
    const missing: string[] = [];
    for (const notificationId of pending) {
      const job = await this.jobs.find({ name: 'notify', data: { notificationId } });
      if (!job) {
        missing.push(notificationId);
      } else if (await job.isFailed()) {
        await job.remove();
        missing.push(notificationId);
      }
    }
    await this.dispatch(missing);
    return missing.length;
  }

  async list(
    _actor: Actor,
    filter: NotificationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.list(filter, ks), toNotificationResponse);
  }
}

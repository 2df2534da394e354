import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { type PreferencesResponse, type PutPreferencesDto } from './dto/notification.dto';
import { NotificationsRepository } from './notifications.repository';
import { preferenceProblems } from './preferences.policy';

/** A person's own preferences: which kinds reach them on email and on Slack. */
@Injectable()
export class NotificationPreferencesService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  private principalId(actor: Actor): string {
    if (actor.type !== 'principal' || actor.isBootstrap) {
      throw new AppError('bootstrap_cannot_act', 'The bootstrap principal receives no notifications');
    }
    return actor.id;
  }

  async get(actor: Actor): Promise<PreferencesResponse> {
    return { kinds: await this.repo.getPreferences(this.principalId(actor)) };
  }

  async put(actor: Actor, dto: PutPreferencesDto): Promise<PreferencesResponse> {
    const id = this.principalId(actor);
    const problems = preferenceProblems(dto.kinds);
    if (problems.length > 0) throw new AppError('validation_failed', problems.join('; '));
    const kinds = await this.dataSource.transaction(async (m) => {
      const saved = await this.repo.putPreferences(m, id, dto.kinds);
      await this.audit.record(m, actor, {
        action: 'notification_preferences.updated',
        targetType: 'principal',
        targetId: id,
        data: { kinds: saved },
      });
      return saved;
    });
    return { kinds };
  }
}

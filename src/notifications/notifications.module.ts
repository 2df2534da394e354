import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EmailSender } from './channels/email.sender';
import { SlackSender } from './channels/slack.sender';
import { WebhookSender } from './channels/webhook.sender';
import { NotificationsProcessor } from './jobs/notifications.processor';
import { NotificationChannelsRepository } from './notification-channels.repository';
import { NotificationChannelsService } from './notification-channels.service';
import { NotificationDeliveryService } from './notification-delivery.service';
import { NotificationPreferencesService } from './notification-preferences.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsSchedule } from './notifications.schedule';
import { NotificationsService } from './notifications.service';
import { SlackInteractionsController } from './slack-interactions.controller';
import { SlackInteractionsService } from './slack-interactions.service';

@Module({
  imports: [AuditModule, AuthModule],
  controllers: [NotificationsController, SlackInteractionsController],
  providers: [
    NotificationsRepository,
    NotificationChannelsRepository,
    NotificationsService,
    NotificationChannelsService,
    NotificationPreferencesService,
    NotificationDeliveryService,
    EmailSender,
    SlackSender,
    WebhookSender,
    NotificationsSchedule,
    SlackInteractionsService,
  ],
  // Other domains call NotificationsService only; delivery is for this domain's worker module.
  exports: [NotificationsService, NotificationDeliveryService, SlackInteractionsService],
})
export class NotificationsModule {}

/** The notifications worker, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [NotificationsModule], providers: [NotificationsProcessor] })
export class NotificationsWorkersModule {}

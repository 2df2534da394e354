import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { NotificationsService } from './notifications.service';

/** Re-enqueues pending notifications Redis does not hold (a flush, a crash between commit and dispatch). */
export const NOTIFICATIONS_RELAY_TICK = { name: 'notifications.relay', periodMs: 5_000 } as const;

/** Notifications' periodic tasks, registered with the cluster tick (one run per cluster). */
@Injectable()
export class NotificationsSchedule implements OnModuleInit {
  constructor(
    private readonly tick: ClusterTickService,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: NOTIFICATIONS_RELAY_TICK.name,
      periodMs: () => NOTIFICATIONS_RELAY_TICK.periodMs,
      run: async () => void (await this.notifications.relay()),
    });
  }
}

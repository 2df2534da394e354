import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { DirectorySyncService } from './directory-sync.service';

/** Queues a scheduled run for every connection whose last run is older than its sync interval. */
export const SCHEDULED_SYNCS_TICK = { name: 'directory-sync.schedule', periodMs: 15_000 } as const;

/** Re-enqueues runs Postgres holds as open but Redis lost (a flush, a crash between commit and enqueue). */
export const SYNC_RELAY_TICK = { name: 'directory-sync.relay', periodMs: 15_000 } as const;

/** The directory's periodic tasks, on the cluster tick (once per cluster; they only enqueue). */
@Injectable()
export class DirectorySchedule implements OnModuleInit {
  constructor(
    private readonly tick: ClusterTickService,
    private readonly syncs: DirectorySyncService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: SCHEDULED_SYNCS_TICK.name,
      periodMs: () => SCHEDULED_SYNCS_TICK.periodMs,
      run: async () => void (await this.syncs.enqueueScheduled()),
    });
    this.tick.register({
      name: SYNC_RELAY_TICK.name,
      periodMs: () => SYNC_RELAY_TICK.periodMs,
      run: async () => void (await this.syncs.relay()),
    });
  }
}

import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionsModule } from '../connections/connections.module';
import { AccountActivityService } from './activity/account-activity.service';
import { ActivityReadService } from './activity/activity-read.service';
import { ActivityController } from './activity/activity.controller';
import { ActivityRepository } from './activity/activity.repository';
import { ChangeAttributionRepository } from './change-attribution.repository';
import { ChangeAttributionService } from './change-attribution.service';
import { DirectoryController, SyncsController } from './directory.controller';
import { DriftDetectionService } from './drift-detection.service';
import { DirectoryQueriesRepository } from './directory-queries.repository';
import { DirectoryQueriesService } from './directory-queries.service';
import { DirectoryRepository } from './directory.repository';
import { DirectorySyncRunService } from './directory-sync-run.service';
import { DirectorySyncService } from './directory-sync.service';
import { DirectorySchedule } from './directory.schedule';
import { DirectoryService } from './directory.service';
import { DirectoryActivityProcessor } from './jobs/directory-activity.processor';
import { DirectorySyncProcessor } from './jobs/directory-sync.processor';
import { MembershipHistoryRepository } from './membership-history.repository';
import { MembershipHistoryService } from './membership-history.service';
import { SyncRunsRepository } from './sync-runs.repository';

@Module({
  imports: [AuditModule, AuthModule, ConnectionsModule, NotificationsModule],
  controllers: [DirectoryController, SyncsController, ActivityController],
  providers: [
    DirectoryService,
    DirectoryRepository,
    DirectoryQueriesService,
    DirectoryQueriesRepository,
    DirectorySyncService,
    DirectorySyncRunService,
    DirectorySchedule,
    SyncRunsRepository,
    MembershipHistoryService,
    MembershipHistoryRepository,
    ActivityReadService,
    ActivityRepository,
    AccountActivityService,
    ChangeAttributionService,
    ChangeAttributionRepository,
    DriftDetectionService,
  ],
  // DirectoryService for other domains (the API's reads stay inside); the runner only for the worker module below.
  exports: [DirectoryService, DirectorySyncService, DirectorySyncRunService, ActivityReadService],
})
export class DirectoryModule {}

/** The sync and activity workers, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [DirectoryModule], providers: [DirectorySyncProcessor, DirectoryActivityProcessor] })
export class DirectoryWorkersModule {}

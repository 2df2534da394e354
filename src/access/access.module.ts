import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DirectoryModule } from '../directory/directory.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { AccessController } from './access.controller';
import { AccessSchedule } from './access.schedule';
import { AccessService } from './access.service';
import { AccessNotifications } from './access-notifications';
import { AccessSlackActions } from './access-slack-actions';
import { AccessRequestsRepository } from './access-requests.repository';
import { AccessRequestsService } from './access-requests.service';
import { AccessVisibility } from './access-visibility';
import { ApprovalRoutingService } from './approval-routing.service';
import { AutoApproveService } from './auto-approve.service';
import { BreakGlassService } from './break-glass.service';
import { DriftResponseService } from './drift-response.service';
import { RequestTargetService } from './request-target.service';
import { RequestExpiryService } from './request-expiry.service';
import { RequestApproversRepository } from './request-approvers.repository';
import { GrantEffects } from './grant-effects';
import { GrantExpiryService } from './grant-expiry.service';
import { GrantStartService } from './grant-start.service';
import { GrantOutcomesService } from './grant-outcomes.service';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';
import { GroupPoliciesRepository } from './group-policies.repository';
import { GroupPoliciesService } from './group-policies.service';
import { GrantExpiryProcessor } from './jobs/grant-expiry.processor';

@Module({
  imports: [
    AuditModule,
    AuthModule,
    ConnectionsModule,
    DirectoryModule,
    NotificationsModule,
    ProvisioningModule,
  ],
  controllers: [AccessController],
  providers: [
    AccessService,
    AccessSchedule,
    AccessNotifications,
    AccessSlackActions,
    AccessVisibility,
    GroupPoliciesRepository,
    AccessRequestsRepository,
    RequestApproversRepository,
    ApprovalRoutingService,
    AutoApproveService,
    RequestExpiryService,
    RequestTargetService,
    BreakGlassService,
    DriftResponseService,
    GrantsRepository,
    GrantEffects,
    GroupPoliciesService,
    AccessRequestsService,
    GrantsService,
    GrantExpiryService,
    GrantStartService,
    GrantOutcomesService,
  ],
  // GrantExpiryService for the worker module below only.
  exports: [AccessService, GrantExpiryService, GrantStartService],
})
export class AccessModule {}

/** The grant-expiry worker, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [AccessModule], providers: [GrantExpiryProcessor] })
export class AccessWorkersModule {}

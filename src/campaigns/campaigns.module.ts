import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DirectoryModule } from '../directory/directory.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { AccountAccessController } from './account-access.controller';
import { AccountAccessRepository } from './account-access.repository';
import { AccountAccessService } from './account-access.service';
import { CampaignEvidenceController } from './campaign-evidence.controller';
import { CampaignEvidenceRepository } from './campaign-evidence.repository';
import { CampaignEvidenceService } from './campaign-evidence.service';
import { AdminReviewItemsRepository } from './admin-review-items.repository';
import { CampaignsController } from './campaigns.controller';
import { LaunchGateService } from './launch-gate.service';
import { CampaignTemplatesController } from './templates/campaign-templates.controller';
import { CampaignTemplatesRepository } from './templates/campaign-templates.repository';
import { CampaignTemplatesService } from './templates/campaign-templates.service';
import { TemplateLaunchesService } from './templates/template-launches.service';
import { CertificationsController } from './certifications.controller';
import { CertificationsRepository } from './certifications.repository';
import { CertificationsService } from './certifications.service';
import { HeldRemovalsController } from './held-removals.controller';
import { HeldRemovalsRepository } from './held-removals.repository';
import { HeldRemovalsService } from './held-removals.service';
import { RevokeRemovalsService } from './revoke-removals.service';
import { CampaignCloseService } from './campaign-close.service';
import { CampaignLaunchService } from './campaign-launch.service';
import { CampaignProgressService } from './campaign-progress.service';
import { CampaignNotifications } from './campaign-notifications';
import { CampaignRemindersService } from './campaign-reminders.service';
import { CampaignReportService } from './campaign-report.service';
import { CampaignSlackActions } from './campaign-slack-actions';
import { ReviewEscalationsRepository } from './review-escalations.repository';
import { ReviewDigestsRepository } from './review-digests.repository';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { CampaignProcessor } from './jobs/campaign.processor';
import { LaunchItemsRepository } from './launch-items.repository';
import { RemediationService } from './remediation.service';
import { ReviewDecisionsService } from './review-decisions.service';
import { ReviewItemsRepository } from './review-items.repository';
import { ReviewerAssignmentService } from './reviewer-assignment.service';
import { StandingCampaignsService } from './standing-campaigns.service';
import { StandingItemsRepository } from './standing-items.repository';

@Module({
  imports: [
    AccessModule,
    AuditModule,
    AuthModule,
    ConnectionsModule,
    DirectoryModule,
    NotificationsModule,
    ProvisioningModule,
  ],
  controllers: [
    CampaignsController,
    AccountAccessController,
    CampaignTemplatesController,
    CampaignEvidenceController,
    CertificationsController,
    HeldRemovalsController,
  ],
  providers: [
    CampaignRemindersService,
    ReviewEscalationsRepository,
    CampaignNotifications,
    ReviewDigestsRepository,
    CampaignsRepository,
    ReviewItemsRepository,
    LaunchItemsRepository,
    ReviewerAssignmentService,
    CampaignsService,
    CampaignProgressService,
    CampaignLaunchService,
    CampaignCloseService,
    ReviewDecisionsService,
    RemediationService,
    CampaignReportService,
    StandingItemsRepository,
    StandingCampaignsService,
    CampaignSlackActions,
    AccountAccessRepository,
    AccountAccessService,
    LaunchGateService,
    CampaignTemplatesRepository,
    CampaignTemplatesService,
    TemplateLaunchesService,
    CampaignEvidenceRepository,
    CampaignEvidenceService,
    CertificationsRepository,
    CertificationsService,
    HeldRemovalsRepository,
    AdminReviewItemsRepository,
    HeldRemovalsService,
    RevokeRemovalsService,
  ],
  // The launch and close services only for CampaignsWorkersModule below (its processor).
  exports: [CampaignsService, CampaignLaunchService, CampaignCloseService],
})
export class CampaignsModule {}

/** The campaigns worker (launch and close), only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [CampaignsModule], providers: [CampaignProcessor] })
export class CampaignsWorkersModule {}

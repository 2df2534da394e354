import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DirectoryModule } from '../directory/directory.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ProvisioningProcessor } from './jobs/provisioning.processor';
import { OperationApplyService } from './operation-apply.service';
import { OperationClaims } from './operation-claims';
import { OperationSettlementService } from './operation-settlement.service';
import { OperationVerificationService } from './operation-verification.service';
import { ProvisioningController } from './provisioning.controller';
import { ProvisioningSchedule } from './provisioning.schedule';
import { ProvisioningService } from './provisioning.service';
import { ProvisioningOperationsRepository } from './provisioning-operations.repository';
import { ProvisioningOperationsService } from './provisioning-operations.service';

@Module({
  imports: [AuditModule, ConnectionsModule, DirectoryModule, NotificationsModule],
  controllers: [ProvisioningController],
  providers: [
    ProvisioningOperationsRepository,
    ProvisioningService,
    ProvisioningOperationsService,
    OperationApplyService,
    OperationClaims,
    OperationSettlementService,
    OperationVerificationService,
    ProvisioningSchedule,
  ],
  // Other domains call ProvisioningService only; the apply path is for this domain's worker module.
  exports: [ProvisioningService, OperationApplyService],
})
export class ProvisioningModule {}

/** The provisioning worker, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [ProvisioningModule], providers: [ProvisioningProcessor] })
export class ProvisioningWorkersModule {}

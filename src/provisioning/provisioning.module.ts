import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DirectoryModule } from '../directory/directory.module';
import { QUEUES } from '../platform/queue/queues';
import { ProvisioningProcessor } from './jobs/provisioning.processor';
import { ProvisioningController } from './provisioning.controller';
import { ProvisioningService } from './provisioning.service';

@Module({
  imports: [
    AuditModule,
    ConnectionsModule,
    DirectoryModule,
    BullModule.registerQueue({ name: QUEUES.provisioning }),
  ],
  controllers: [ProvisioningController],
  providers: [ProvisioningService],
  exports: [ProvisioningService],
})
export class ProvisioningModule {}

/** The provisioning worker, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [ProvisioningModule], providers: [ProvisioningProcessor] })
export class ProvisioningWorkersModule {}

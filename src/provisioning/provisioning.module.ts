import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DirectoryModule } from '../directory/directory.module';
import { ProvisioningProcessor } from './jobs/provisioning.processor';
import { ProvisioningController } from './provisioning.controller';
import { ProvisioningService } from './provisioning.service';

@Module({
  imports: [AuditModule, ConnectionsModule, DirectoryModule],
  controllers: [ProvisioningController],
  providers: [ProvisioningService],
  exports: [ProvisioningService],
})
export class ProvisioningModule {}

/** The provisioning worker, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [ProvisioningModule], providers: [ProvisioningProcessor] })
export class ProvisioningWorkersModule {}

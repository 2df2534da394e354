import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DirectoryModule } from '../directory/directory.module';
import { QUEUES } from '../platform/queue/queues';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { AccessController } from './access.controller';
import { AccessService } from './access.service';
import { GrantExpiryProcessor } from './jobs/grant-expiry.processor';

@Module({
  imports: [
    AuditModule,
    AuthModule,
    ConnectionsModule,
    DirectoryModule,
    ProvisioningModule,
    BullModule.registerQueue({ name: QUEUES.grantExpiry }),
  ],
  controllers: [AccessController],
  providers: [AccessService],
  exports: [AccessService],
})
export class AccessModule {}

/** The grant-expiry worker, only in processes that run workers (APP_ROLE all or worker). */
@Module({ imports: [AccessModule], providers: [GrantExpiryProcessor] })
export class AccessWorkersModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { JumpCloudModule } from '../jumpcloud';
import { ConnectionInsightsService } from './connection-insights.service';
import { ConnectionsController } from './connections.controller';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionsService } from './connections.service';

@Module({
  imports: [AuditModule, JumpCloudModule],
  controllers: [ConnectionsController],
  providers: [ConnectionsService, ConnectionsRepository, ConnectionInsightsService],
  exports: [ConnectionsService, ConnectionInsightsService],
})
export class ConnectionsModule {}

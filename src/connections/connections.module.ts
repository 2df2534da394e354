import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { JumpCloudModule } from '../jumpcloud';
import { ConnectionsController } from './connections.controller';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionsService } from './connections.service';

@Module({
  imports: [AuditModule, JumpCloudModule],
  controllers: [ConnectionsController],
  providers: [ConnectionsService, ConnectionsRepository],
  exports: [ConnectionsService],
})
export class ConnectionsModule {}

import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionsModule } from '../connections/connections.module';
import { QUEUES } from '../platform/queue/queues';
import { DirectoryController, SyncsController } from './directory.controller';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryService } from './directory.service';
import { DirectorySyncProcessor } from './jobs/directory-sync.processor';

@Module({})
export class DirectoryModule {
  /** Workers (the sync processor) only in processes that run them (APP_ROLE all or worker). */
  static register(options: { workers: boolean }): DynamicModule {
    return {
      module: DirectoryModule,
      imports: [
        AuditModule,
        AuthModule,
        ConnectionsModule,
        BullModule.registerQueue({ name: QUEUES.directorySync }),
      ],
      controllers: [DirectoryController, SyncsController],
      providers: [
        DirectoryService,
        DirectorySyncService,
        ...(options.workers ? [DirectorySyncProcessor] : []),
      ],
      exports: [DirectoryService, DirectorySyncService],
    };
  }
}

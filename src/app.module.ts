import { type DynamicModule, Module } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { type AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { PlatformModule } from './platform/platform.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConnectionsModule } from './connections/connections.module';
import { DirectoryModule, DirectoryWorkersModule } from './directory/directory.module';
import { ProvisioningModule, ProvisioningWorkersModule } from './provisioning/provisioning.module';
import { AccessModule, AccessWorkersModule } from './access/access.module';
import { CampaignsModule, CampaignsWorkersModule } from './campaigns/campaigns.module';
import { NotificationsModule, NotificationsWorkersModule } from './notifications/notifications.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: { logStream?: DestinationStream } = {}): DynamicModule {
    const workers = config.appRole !== 'api';
    const http = config.appRole !== 'worker';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule.forRoot({ workers, http, logStream: options.logStream }),
        AuditModule,
        AuthModule,
        ConnectionsModule,
        NotificationsModule,
        DirectoryModule,
        ProvisioningModule,
        AccessModule,
        CampaignsModule,
        ...(workers
          ? [
              DirectoryWorkersModule,
              ProvisioningWorkersModule,
              AccessWorkersModule,
              CampaignsWorkersModule,
              NotificationsWorkersModule,
            ]
          : []),
      ],
    };
  }
}

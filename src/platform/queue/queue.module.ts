import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.redisUrl },
        defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 },
      }),
    }),
  ],
  exports: [BullModule],
})
export class QueueModule {}

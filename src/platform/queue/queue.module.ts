import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { JobQueue } from './job-queue';
import { QUEUES } from './queues';

// Every queue is registered here once, for JobQueue; processors stay in their domains' worker modules.
const queues = BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name })));

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
    queues,
  ],
  providers: [JobQueue],
  exports: [BullModule, queues, JobQueue],
})
export class QueueModule {}

import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { type DestinationStream } from 'pino';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { AllExceptionsFilter } from './http/http-exception.filter';
import { LoggingModule } from './logging/logging.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { ClusterTickService } from './scheduling/cluster-tick.service';
import { DriftResponders } from './drift';
import { StandingReviews } from './standing-reviews';

export interface PlatformOptions {
  /** Run queue workers and the cluster tick in this process (APP_ROLE all or worker). */
  workers: boolean;
  /** Serve HTTP in this process (APP_ROLE all or api). */
  http: boolean;
  /** Where logs go instead of stdout (tests). */
  logStream?: DestinationStream;
}

/** Infrastructure without business rules: database, queues, logging, errors, health, the tick. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        LoggingModule.forRoot(options.logStream),
        DatabaseModule,
        QueueModule,
        RedisModule,
        EventEmitterModule.forRoot(),
        ...(options.workers ? [ScheduleModule.forRoot()] : []),
        ...(options.http ? [HealthModule] : []),
      ],
      providers: [
        ClusterTickService,
        StandingReviews,
        DriftResponders,
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
      exports: [ClusterTickService, StandingReviews, DriftResponders],
    };
  }
}

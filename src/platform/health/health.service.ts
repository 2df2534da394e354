import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisOptionsFromUrl } from '../redis/redis-options';

export type PartState = 'up' | 'down';
export interface HealthReport {
  status: 'ok' | 'error';
  db: PartState;
  redis: PartState;
}

// Budget per check, so the whole answer comes well within API.md's 2 seconds even when a part hangs.
const CHECK_TIMEOUT_MS = 1200;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Health uses its own small connections with short timeouts and no offline queue, so a hung
 * Postgres or Redis (or an exhausted application pool) cannot make /health hang.
 */
@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly pool: Pool;
  private readonly redis: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: 2,
      connectionTimeoutMillis: 1000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 1000,
      query_timeout: 1000,
    });
    // An idle client that loses its server emits 'error'; the next check reports it.
    this.pool.on('error', () => undefined);
    this.redis = new Redis(
      redisOptionsFromUrl(config.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        connectTimeout: 1000,
        commandTimeout: 1000,
        maxRetriesPerRequest: 0,
        retryStrategy: (times) => Math.min(times * 200, 1000),
      }),
    );
    this.redis.on('error', () => undefined);
  }

  async check(): Promise<HealthReport> {
    const [db, redis] = await Promise.all([this.checkDb(), this.checkRedis()]);
    return { status: db === 'up' && redis === 'up' ? 'ok' : 'error', db, redis };
  }

  private async checkDb(): Promise<PartState> {
    try {
      await within(this.pool.query('SELECT 1'), CHECK_TIMEOUT_MS);
      return 'up';
    } catch {
      return 'down';
    }
  }

  private async checkRedis(): Promise<PartState> {
    try {
      if (this.redis.status === 'wait') await within(this.redis.connect(), CHECK_TIMEOUT_MS);
      const pong = await within(this.redis.ping(), CHECK_TIMEOUT_MS);
      return pong === 'PONG' ? 'up' : 'down';
    } catch {
      return 'down';
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
    await this.pool.end().catch(() => undefined);
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RedisClient } from '../platform/redis/redis.module';

const KEY = (address: string): string => `jumpgate:auth-failures:${address}`;

/**
 * Counts failed authentications per client address in Redis, so every api process agrees; an address
 * over the limit gets 429 until its window ends, and other addresses are not affected.
 */
@Injectable()
export class AuthThrottleService {
  private readonly logger = new Logger(AuthThrottleService.name);

  constructor(
    private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Seconds to wait when the address is blocked, else null. Fails open when Redis is away. */
  async blockedFor(address: string): Promise<number | null> {
    try {
      const [count, ttl] = (await this.redis.redis.multi().get(KEY(address)).ttl(KEY(address)).exec()) ?? [];
      const n = Number(count?.[1] ?? 0);
      if (n < this.config.authFailureLimit) return null;
      return Math.max(1, Number(ttl?.[1] ?? this.config.authFailureWindowSeconds));
    } catch (err) {
      this.logger.warn({ err }, 'auth throttle unavailable (Redis); not blocking');
      return null;
    }
  }

  async recordFailure(address: string): Promise<void> {
    try {
      await this.redis.redis
        .multi()
        .incr(KEY(address))
        .expire(KEY(address), this.config.authFailureWindowSeconds, 'NX')
        .exec();
    } catch (err) {
      this.logger.warn({ err }, 'auth failure not counted (Redis)');
    }
  }
}

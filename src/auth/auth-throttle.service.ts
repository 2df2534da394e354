import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RedisClient } from '../platform/redis/redis.module';
import { throttleKey } from './client-address';

const KEY = (client: string): string => `jumpgate:auth-failures:${client}`;

/**
 * Counts failed authentications per client (an IPv4 address, an IPv6 /64: throttleKey) in Redis, so
 * every api process agrees. Only failures are counted and only failures are refused: the guard
 * authenticates first, so a valid token is never held off because its address also sent bad ones
 * (a shared NAT, an office proxy, or someone trying to lock a real client out).
 */
@Injectable()
export class AuthThrottleService {
  private readonly logger = new Logger(AuthThrottleService.name);

  constructor(
    private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Counts one failure of this client; the seconds it must wait when it is now over the limit, else
   * null. One round trip (count, start the window once, read what is left of it). Fails open when
   * Redis is away: a missed count is better than refusing everyone.
   */
  async recordFailure(address: string | undefined): Promise<number | null> {
    const key = KEY(throttleKey(address));
    try {
      const [count, , ttl] =
        (await this.redis.redis
          .multi()
          .incr(key)
          .expire(key, this.config.authFailureWindowSeconds, 'NX')
          .ttl(key)
          .exec()) ?? [];
      if (Number(count?.[1] ?? 0) <= this.config.authFailureLimit) return null;
      return Math.max(1, Number(ttl?.[1] ?? this.config.authFailureWindowSeconds));
    } catch (err) {
      this.logger.warn({ err }, 'auth failure not counted (Redis)');
      return null;
    }
  }
}

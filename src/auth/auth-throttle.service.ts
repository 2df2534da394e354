import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RedisClient } from '../platform/redis/redis.module';

const KEY = (address: string): string => `jumpgate:auth-failures:${address}`;

/**
 * How long this process trusts Redis's "not blocked" for an address. A failure counted here forgets
 * it, so failed attempts always see the shared count; only a client presenting valid tokens from an
 * address that another process just blocked may pass for up to this long.
 */
export const THROTTLE_CLEAR_MS = 1_000;
// Past this many addresses the memory starts over rather than grow.
const CLEAR_MAX = 10_000;

/**
 * Counts failed authentications per client address in Redis, so every api process agrees; an address
 * over the limit gets 429 until its window ends, and other addresses are not affected.
 */
@Injectable()
export class AuthThrottleService {
  private readonly logger = new Logger(AuthThrottleService.name);
  /** Address → until when it is known not to be blocked. */
  private readonly clear = new Map<string, number>();
  // Failures counted by this process: a "not blocked" read before one of them is not remembered.
  private failures = 0;

  constructor(
    private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Seconds to wait when the address is blocked, else null. Fails open when Redis is away. */
  async blockedFor(address: string): Promise<number | null> {
    const until = this.clear.get(address);
    if (until !== undefined && until > Date.now()) return null;
    const failures = this.failures;
    try {
      const [count, ttl] = (await this.redis.redis.multi().get(KEY(address)).ttl(KEY(address)).exec()) ?? [];
      const n = Number(count?.[1] ?? 0);
      if (n < this.config.authFailureLimit) {
        if (failures !== this.failures) return null;
        if (this.clear.size >= CLEAR_MAX) this.clear.clear();
        this.clear.set(address, Date.now() + THROTTLE_CLEAR_MS);
        return null;
      }
      this.clear.delete(address);
      return Math.max(1, Number(ttl?.[1] ?? this.config.authFailureWindowSeconds));
    } catch (err) {
      this.logger.warn({ err }, 'auth throttle unavailable (Redis); not blocking');
      return null;
    }
  }

  async recordFailure(address: string): Promise<void> {
    this.failures++;
    this.clear.delete(address);
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

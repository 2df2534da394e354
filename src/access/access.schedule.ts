import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { GrantStartService } from './grant-start.service';
import { RequestExpiryService } from './request-expiry.service';
import { GrantExpiryService } from './grant-expiry.service';

/**
 * Revokes any active grant past expiry, so a lost Redis never leaves access in place. Its period is
 * EXPIRY_SWEEP_SECONDS (configuration, read at every tick).
 */
export const GRANT_EXPIRY_SWEEP_TICK = { name: 'access.grant-expiry-sweep' } as const;

/**
 * Sends grant_expiring to grants entering their policy's warning window (warnBeforeExpiryMinutes), on
 * the sweep's period (EXPIRY_SWEEP_SECONDS): a warning is as late as a revocation may be.
 */
export const GRANT_EXPIRING_TICK = { name: 'access.grant-expiring' } as const;

/**
 * Ends pending requests nobody decided within their policy's requestTtlHours: every minute, or every
 * EXPIRY_SWEEP_SECONDS when that is shorter (a TTL of a fraction of an hour is honoured as closely).
 */
export const REQUEST_EXPIRY_TICK = { name: 'access.request-expiry', periodMs: 60_000 } as const;

/** Starts scheduled grants whose start passed, so a lost Redis or a restart only delays a start to the next tick. */
export const GRANT_START_TICK = { name: 'access.grant-start' } as const;

/** Access's periodic tasks, registered with the cluster tick (one run per cluster). */
@Injectable()
export class AccessSchedule implements OnModuleInit {
  constructor(
    private readonly tick: ClusterTickService,
    private readonly expiry: GrantExpiryService,
    private readonly requests: RequestExpiryService,
    private readonly starts: GrantStartService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: GRANT_EXPIRY_SWEEP_TICK.name,
      periodMs: () => this.config.expirySweepSeconds * 1000,
      run: async () => void (await this.expiry.expireDueGrants()),
    });
    this.tick.register({
      name: GRANT_EXPIRING_TICK.name,
      periodMs: () => this.config.expirySweepSeconds * 1000,
      run: async () => void (await this.expiry.warnExpiringGrants()),
    });
    this.tick.register({
      name: GRANT_START_TICK.name,
      periodMs: () => this.config.expirySweepSeconds * 1000,
      run: async () => void (await this.starts.startDueGrants()),
    });
    this.tick.register({
      name: REQUEST_EXPIRY_TICK.name,
      periodMs: () => Math.min(REQUEST_EXPIRY_TICK.periodMs, this.config.expirySweepSeconds * 1000),
      run: async () => void (await this.requests.expireStaleRequests()),
    });
  }
}

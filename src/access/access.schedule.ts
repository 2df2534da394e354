import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ClusterTickService, type PeriodicTask } from '../platform/scheduling/cluster-tick.service';
import { AccessRequestsService } from './access-requests.service';
import { GrantExpiryService } from './grant-expiry.service';
import { GrantOutcomesService } from './grant-outcomes.service';

/** Revokes any active grant past expiry, every EXPIRY_SWEEP_SECONDS: a lost Redis never leaves access in place. */
export const GRANT_EXPIRY_SWEEP = 'access.grant-expiry-sweep';
/** Applies outcomes of grants' operations whose settled events were lost. */
export const GRANT_RECONCILE = 'access.grant-reconcile';
export const GRANT_RECONCILE_PERIOD_MS = 30_000;
/** Ends pending requests nobody decided within REQUEST_TTL_HOURS. */
export const REQUEST_EXPIRY = 'access.request-expiry';
export const REQUEST_EXPIRY_PERIOD_MS = 60_000;

/** Access's periodic tasks, run once per cluster by the tick (ARCHITECTURE.md "Queues and the cluster tick"). */
@Injectable()
export class AccessSchedule implements OnModuleInit {
  constructor(
    private readonly tick: ClusterTickService,
    private readonly expiry: GrantExpiryService,
    private readonly outcomes: GrantOutcomesService,
    private readonly requests: AccessRequestsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const tasks: PeriodicTask[] = [
      {
        name: GRANT_EXPIRY_SWEEP,
        periodMs: () => this.config.expirySweepSeconds * 1000,
        run: async () => void (await this.expiry.expireDueGrants()),
      },
      {
        name: GRANT_RECONCILE,
        periodMs: () => GRANT_RECONCILE_PERIOD_MS,
        run: async () => void (await this.outcomes.reconcileSettledGrants()),
      },
      {
        name: REQUEST_EXPIRY,
        periodMs: () => REQUEST_EXPIRY_PERIOD_MS,
        run: async () => void (await this.requests.expireStaleRequests()),
      },
    ];
    for (const task of tasks) this.tick.register(task);
  }
}

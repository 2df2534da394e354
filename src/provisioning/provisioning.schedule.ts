import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { ProvisioningService } from './provisioning.service';

/** Re-enqueues open operations Redis does not hold (a flush, a crash between commit and enqueue). */
export const PROVISIONING_RELAY_TICK = { name: 'provisioning.relay', periodMs: 10_000 } as const;

/** Provisioning's periodic tasks, registered with the cluster tick (one run per cluster). */
@Injectable()
export class ProvisioningSchedule implements OnModuleInit {
  constructor(
    private readonly tick: ClusterTickService,
    private readonly provisioning: ProvisioningService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: PROVISIONING_RELAY_TICK.name,
      periodMs: () => PROVISIONING_RELAY_TICK.periodMs,
      run: async () => void (await this.provisioning.relay()),
    });
  }
}

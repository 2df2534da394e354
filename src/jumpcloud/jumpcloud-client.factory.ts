import { Injectable } from '@nestjs/common';
import { JumpCloudClient } from './jumpcloud.client';
import { JumpCloudConnectionRegistry } from './jumpcloud.connection-state';
import type { JumpCloudClientOptions } from './jumpcloud.options';

/**
 * Builds clients that share one registry, so every client of a connection (pass its id as
 * `connectionKey`) shares limiter, rate-limit pause and token cache within the process.
 */
@Injectable()
export class JumpCloudClientFactory {
  private readonly registry = new JumpCloudConnectionRegistry();

  create(options: JumpCloudClientOptions): JumpCloudClient {
    return new JumpCloudClient(options, this.registry);
  }

  /** Call when a connection is deleted or its credentials change. */
  forget(connectionKey: string): void {
    this.registry.forget(connectionKey);
  }
}

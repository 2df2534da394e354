import { Injectable } from '@nestjs/common';
import { type JumpCloudClient } from '../jumpcloud';
import { ConnectionsRepository } from './connections.repository';
import { type InsightsState, insightsStateOf, probeInsights } from './connection-insights';

export interface ConnectionInsights {
  state: InsightsState;
  /** When jumpgate last looked; null: never (the state is then `unavailable`). */
  checkedAt: Date | null;
}

/**
 * The connection's Directory Insights state, for the modules that read events (activity, incremental
 * sync, drift attribution): read what was last seen without calling JumpCloud, and record what a read
 * found, so connection reads stay current without ever calling JumpCloud themselves.
 */
@Injectable()
export class ConnectionInsightsService {
  constructor(private readonly repo: ConnectionsRepository) {}

  /** The stored state of a live connection; null when there is no such connection. */
  async get(connectionId: string): Promise<ConnectionInsights | null> {
    const row = await this.repo.get(connectionId);
    if (!row) return null;
    return { state: row.insights, checkedAt: row.insights_checked_at };
  }

  /** Records what an events read (or a probe) found, at `at` (default now). */
  async record(connectionId: string, state: InsightsState, at = new Date()): Promise<void> {
    await this.repo.setInsights(connectionId, state, at);
  }

  /** Records what a failed events read says (403 → forbidden, else unavailable) and returns it. */
  async recordFailure(
    connectionId: string,
    err: unknown,
    at = new Date(),
  ): Promise<Exclude<InsightsState, 'readable'>> {
    const state = insightsStateOf(err);
    await this.record(connectionId, state, at);
    return state;
  }

  /** Probes with one small events call, records and returns the state. */
  async refresh(connectionId: string, client: JumpCloudClient): Promise<InsightsState> {
    const at = new Date();
    const state = await probeInsights(client, at.getTime());
    await this.record(connectionId, state, at);
    return state;
  }
}

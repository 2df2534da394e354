import { Injectable } from '@nestjs/common';
import { ConnectionsService } from '../connections/connections.service';
import { type Actor } from '../platform/actor';
import { notFound } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { JobQueue } from '../platform/queue/job-queue';
import { type HeldRemovalListResponse, type SyncRunResponse, toSyncRunResponse } from './dto/sync-run.dto';
import { DirectorySyncRunService } from './directory-sync-run.service';
import { SyncRunsRepository } from './sync-runs.repository';
import { type RequestedSyncMode } from './sync/sync-mode.policy';

export { type SyncRunResponse } from './dto/sync-run.dto';

/** Asking for sync runs (on demand, on schedule, again after Redis lost them) and reading them. */
@Injectable()
export class DirectorySyncService {
  constructor(
    private readonly runs: SyncRunsRepository,
    private readonly runner: DirectorySyncRunService,
    private readonly connections: ConnectionsService,
    private readonly jobs: JobQueue,
  ) {}

  // ---------------------------------------------------------------- triggering

  /** Starts a run, or returns the one already queued or running for the connection. */
  async trigger(
    actor: Actor,
    connectionId: string,
    trigger: 'manual' | 'scheduled' = 'manual',
    mode: RequestedSyncMode = 'auto',
  ): Promise<SyncRunResponse> {
    if (!(await this.connections.getRow(connectionId))) throw notFound('Connection');
    const created = await this.runs.createQueued(
      connectionId,
      trigger,
      actor.type === 'principal' ? actor.id : null,
      mode,
    );
    if (created) {
      await this.enqueue(created.id);
      return toSyncRunResponse(created);
    }
    const open = await this.runs.getOpenForConnection(connectionId);
    if (!open) return this.trigger(actor, connectionId, trigger, mode); // it finished in between
    return toSyncRunResponse(open);
  }

  /** Postgres holds the run; if Redis refuses the job, the relay in the cluster tick enqueues it later. */
  private async enqueue(runId: string): Promise<void> {
    await this.jobs.enqueue({ name: 'sync', data: { runId } });
  }

  /** Scheduled runs: every connection whose last run is older than its interval (cluster tick). */
  async enqueueScheduled(): Promise<number> {
    // The connections and their intervals come from their module (its table is its own).
    const live = await this.connections.listLive();
    const due = await this.runs.createScheduledForDue(
      live.map((c) => ({ id: c.id, intervalMinutes: this.connections.syncIntervalOf(c) })),
    );
    for (const run of due) await this.enqueue(run.id);
    return due.length;
  }

  /** Runs Postgres holds as open but Redis does not (a flush, a crash between commit and enqueue). */
  async relay(): Promise<number> {
    const open = await this.runs.getOpenOlderThanFiveSeconds();
    let requeued = 0;
    for (const run of open) {
      const job = await this.jobs.find({ name: 'sync', data: { runId: run.id } });
      if (!job) {
        await this.enqueue(run.id);
        requeued++;
        continue;
      }
      if (await job.isFailed()) {
        if (run.status === 'queued') {
          // It never started (the connection was busy every time): try again.
          await job.remove();
          await this.enqueue(run.id);
          requeued++;
        } else {
          await this.runner.finishFailed(run.id, job.failedReason || 'the sync job failed');
        }
      }
    }
    return requeued;
  }

  // ---------------------------------------------------------------- reading

  async listRuns(
    _actor: Actor,
    connectionId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<SyncRunResponse>> {
    if (!(await this.connections.getRow(connectionId))) throw notFound('Connection');
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.runs.listForConnection(connectionId, ks), toSyncRunResponse);
  }

  async getRun(_actor: Actor, runId: string): Promise<SyncRunResponse> {
    const row = await this.runs.get(runId);
    if (!row) throw notFound('Sync run');
    return toSyncRunResponse(row);
  }

  /** The removals the run held back (rule 1), as API.md `GET /syncs/{id}/held` lists them. */
  async getHeld(_actor: Actor, runId: string): Promise<HeldRemovalListResponse> {
    if (!(await this.runs.get(runId))) throw notFound('Sync run');
    const rows = await this.runs.heldRemovals(runId);
    return { items: rows.map((r) => ({ kind: r.kind, accountId: r.account_id, groupId: r.group_id })) };
  }
}

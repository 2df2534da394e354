import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

// One constant per advisory lock; see also MIGRATION_LOCK_KEY.
export const CLUSTER_TICK_LOCK_KEY = 727_100_002;
export const CLUSTER_TICK_INTERVAL_MS = 1000;

/** Periodic work that must run once per cluster: it only finds due work and enqueues it. */
export interface PeriodicTask {
  name: string;
  /** Period in milliseconds, read at every tick so configuration changes apply; 0 disables. */
  periodMs: () => number;
  run: () => Promise<void>;
}

/**
 * The cluster-wide tick (ARCHITECTURE.md): every worker process ticks, but only the one holding a
 * Postgres advisory lock runs the due tasks. Last-run times live in Postgres, so a task keeps its
 * period whichever process holds the lock next, and a Redis flush loses no schedule.
 */
@Injectable()
export class ClusterTickService {
  private readonly logger = new Logger(ClusterTickService.name);
  private readonly tasks = new Map<string, PeriodicTask>();
  private running = false;

  constructor(private readonly dataSource: DataSource) {}

  register(task: PeriodicTask): void {
    if (this.tasks.has(task.name)) throw new Error(`periodic task ${task.name} registered twice`);
    this.tasks.set(task.name, task);
  }

  @Interval('cluster-tick', CLUSTER_TICK_INTERVAL_MS)
  async onInterval(): Promise<void> {
    await this.tick();
  }

  /** Runs due tasks if this process wins the lock; returns the names of the tasks it ran. */
  async tick(options: { force?: boolean } = {}): Promise<string[]> {
    if (this.running || !this.dataSource.isInitialized) return [];
    this.running = true;
    const runner = this.dataSource.createQueryRunner();
    const ran: string[] = [];
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        CLUSTER_TICK_LOCK_KEY,
      ])) as [{ locked: boolean }];
      if (!locked) return [];
      try {
        for (const task of this.tasks.values()) {
          const period = task.periodMs();
          if (period <= 0) continue;
          if (!options.force && !(await this.isDue(runner.query.bind(runner), task.name, period))) continue;
          try {
            await task.run();
            ran.push(task.name);
          } catch (err) {
            this.logger.error({ err, task: task.name }, 'periodic task failed');
          }
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [CLUSTER_TICK_LOCK_KEY]);
      }
    } catch (err) {
      this.logger.warn({ err }, 'cluster tick skipped');
    } finally {
      await runner.release();
      this.running = false;
    }
    return ran;
  }

  /** Claims the task's slot for this period if it is due (its last run is older than the period). */
  private async isDue(
    query: (sql: string, params: unknown[]) => Promise<unknown>,
    name: string,
    periodMs: number,
  ): Promise<boolean> {
    const rows = (await query(
      `INSERT INTO cluster_tick_state (name, last_run_at) VALUES ($1, now())
       ON CONFLICT (name) DO UPDATE SET last_run_at = now()
       WHERE cluster_tick_state.last_run_at <= now() - make_interval(secs => $2::double precision / 1000)
       RETURNING name`,
      [name, periodMs],
    )) as unknown[];
    return rows.length > 0;
  }
}

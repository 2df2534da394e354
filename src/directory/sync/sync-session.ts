import { type PoolClient } from 'pg';
import { type QueryRunner } from 'typeorm';
import { CopyStage } from './copy-stage';

/** Milliseconds per named phase of a run, each lap measured from the previous one (or a restart). */
export class PhaseClock {
  /** Kept with the run's stats for operators and benchmarks. */
  readonly timings: Record<string, number> = {};
  private mark = Date.now();

  /** Starts timing a new stretch (the start of staging, of merging). */
  restartClock(): void {
    this.mark = Date.now();
  }

  /** Attributes the time since the previous lap to `phase`. */
  lap(phase: string): void {
    const now = Date.now();
    this.timings[phase] = (this.timings[phase] ?? 0) + (now - this.mark);
    this.mark = now;
  }
}

/**
 * The one database session a sync run stages and merges on (its temporary tables are session-local),
 * with the timings of its phases.
 */
export class SyncSession extends PhaseClock {
  readonly pg: PoolClient;

  constructor(readonly qr: QueryRunner) {
    super();
    this.pg = (qr as unknown as { databaseConnection: PoolClient }).databaseConnection;
  }

  q<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    return this.qr.query(sql, params) as Promise<T>;
  }

  /** Runs `fill` against a COPY into `table`, ending it on success and abandoning it on failure. */
  async copy(
    table: string,
    columns: string[],
    fill: (stage: CopyStage) => Promise<unknown>,
  ): Promise<number> {
    const stage = new CopyStage(this.pg, table, columns);
    try {
      await fill(stage);
      await stage.end();
      return stage.rows;
    } catch (err) {
      stage.destroy(err as Error);
      throw err;
    }
  }

  /** Rows a statement wrote, without shipping them back (RETURNING a million rows costs seconds). */
  async count(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pg.query(sql, params)).rowCount ?? 0;
  }
}

/** Every staging table a run uses: dropped before staging and after merging (the session is pooled). */
export const DROP_STAGE_TABLES = `DROP TABLE IF EXISTS stage_accounts, stage_accounts_u, stage_groups, stage_groups_u, stage_pairs, pair_changes,
         stage_apps, stage_apps_u, stage_bindings, stage_binding_pairs, stage_member_refs,
         scope_accounts, scope_groups, scope_member_groups, scope_gone_accounts, scope_binding_apps`;

import { type DataSource, type QueryRunner } from 'typeorm';
import { GroupCommit } from '../platform/batching/group-commit';

// Advisory-lock namespace: one worker applies a given operation at a time, across processes.
const OPERATION_LOCK_NAMESPACE = 727_100_020;

interface LockRequest {
  kind: 'lock' | 'unlock';
  operationId: string;
  resolve: (r: { ok: boolean; generation: number }) => void;
  reject: (err: unknown) => void;
}

/**
 * "One worker applies an operation at a time", for every operation of this process on ONE Postgres
 * session: a session-level advisory lock per operation, taken and released on that session, plus a set
 * in memory (a session's advisory locks are re-entrant, so the set is what excludes two jobs of this
 * process). One connection for all of them instead of one held per job through its JumpCloud call,
 * so the worker's concurrency does not eat the pool. If the session dies, its locks die with it, as a
 * job's own connection would have; the next lock opens a new session.
 */
export class OperationLocks {
  private session: Promise<QueryRunner> | null = null;
  private generation = 0;
  private readonly held = new Map<string, number>();
  // Requests that arrive while a statement runs go together in the next one: the session runs one
  // statement at a time, and a round trip per lock and per unlock would cost more than the locks.
  private readonly requests = new GroupCommit<LockRequest>(1000, (batch) => this.run(batch));

  constructor(private readonly dataSource: DataSource) {}

  /** False when another job (here or in another process) is applying the operation right now. */
  async tryLock(operationId: string): Promise<boolean> {
    if (this.held.has(operationId)) return false;
    this.held.set(operationId, -1);
    try {
      const { ok, generation } = await this.request('lock', operationId);
      if (ok) this.held.set(operationId, generation);
      else this.held.delete(operationId);
      return ok;
    } catch (err) {
      this.held.delete(operationId);
      throw err;
    }
  }

  async unlock(operationId: string): Promise<void> {
    const generation = this.held.get(operationId);
    if (generation === undefined) return;
    this.held.delete(operationId);
    // A lock of a session since replaced died with it.
    if (generation !== this.generation) return;
    await this.request('unlock', operationId).catch(() => undefined);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.generation++;
    this.held.clear();
    if (session) await (await session.catch(() => null))?.release();
  }

  private request(
    kind: 'lock' | 'unlock',
    operationId: string,
  ): Promise<{ ok: boolean; generation: number }> {
    return new Promise((resolve, reject) => this.requests.add({ kind, operationId, resolve, reject }));
  }

  private async run(batch: LockRequest[]): Promise<void> {
    const { rows, generation } = await this.query(
      `SELECT CASE WHEN r.kind = 'lock' THEN pg_try_advisory_lock($1, hashtext(r.id))
                   ELSE pg_advisory_unlock($1, hashtext(r.id)) END AS ok
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS r(kind, id, n) ORDER BY r.n`,
      [OPERATION_LOCK_NAMESPACE, batch.map((b) => b.kind), batch.map((b) => b.operationId)],
    );
    batch.forEach((b, i) => b.resolve({ ok: rows[i].ok, generation }));
  }

  private async query(
    sql: string,
    params: unknown[],
  ): Promise<{ rows: { ok: boolean }[]; generation: number }> {
    this.session ??= this.connect();
    const session = this.session;
    const generation = this.generation;
    const qr = await session;
    try {
      return { rows: (await qr.query(sql, params)) as { ok: boolean }[], generation };
    } catch (err) {
      // A broken connection: the next call opens a new session (this one's locks are gone).
      if (this.session === session && !(await this.alive(qr))) {
        this.session = null;
        this.generation++;
        await qr.release().catch(() => undefined);
      }
      throw err;
    }
  }

  private async connect(): Promise<QueryRunner> {
    const qr = this.dataSource.createQueryRunner();
    try {
      await qr.connect();
      return qr;
    } catch (err) {
      this.session = null;
      await qr.release().catch(() => undefined);
      throw err;
    }
  }

  private async alive(qr: QueryRunner): Promise<boolean> {
    try {
      await qr.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}

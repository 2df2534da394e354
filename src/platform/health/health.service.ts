import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisOptionsFromUrl } from '../redis/redis-options';

export type PartState = 'up' | 'down';
export type HealthReport =
  | { status: 'ok'; db: 'up'; redis: 'up'; auditProtected: boolean }
  | { status: 'error'; db: PartState; redis: PartState };

/**
 * Whether the server's own database role could cut or rewrite the audit log, asked of the catalogs
 * rather than taken from configuration (API.md "Health"): the role is no superuser, cannot act as
 * the owner of audit_events, has no UPDATE, DELETE or TRUNCATE on it, and owns nothing in this
 * database (the database itself included). Temporary tables the sync stages its data in are the
 * session's own and do not count.
 */
export const AUDIT_PROTECTED_SQL = `
  SELECT to_regclass('public.audit_events') IS NOT NULL
     AND NOT r.rolsuper
     AND NOT pg_has_role(r.oid, (SELECT relowner FROM pg_class WHERE oid = to_regclass('public.audit_events')), 'MEMBER')
     AND NOT has_table_privilege(r.oid, to_regclass('public.audit_events'), 'UPDATE')
     AND NOT has_table_privilege(r.oid, to_regclass('public.audit_events'), 'DELETE')
     AND NOT has_table_privilege(r.oid, to_regclass('public.audit_events'), 'TRUNCATE')
     AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = current_database() AND d.datdba = r.oid)
     AND NOT EXISTS (
       SELECT 1 FROM pg_shdepend s
       WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = r.oid AND s.deptype = 'o'
         AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE s.classid = 'pg_class'::regclass AND c.oid = s.objid
                           AND n.nspname ~ '^pg_(toast_)?temp_')
         AND NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                         WHERE s.classid = 'pg_type'::regclass AND t.oid = s.objid
                           AND n.nspname ~ '^pg_(toast_)?temp_')
     ) AS protected
  FROM pg_roles r WHERE r.rolname = current_user`;

// Budget per check, so the whole answer comes well within API.md's 2 seconds even when a part hangs.
const CHECK_TIMEOUT_MS = 1200;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Health uses its own small connections with short timeouts and no offline queue, so a hung
 * Postgres or Redis (or an exhausted application pool) cannot make /health hang.
 */
@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly pool: Pool;
  private readonly redis: Redis;
  private readonly ownerUrlInEnvironment: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // An owner URL in the server's environment gives whoever reads that environment the owner's power.
    this.ownerUrlInEnvironment = config.databaseOwnerUrl !== null;
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: 2,
      connectionTimeoutMillis: 1000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 1000,
      query_timeout: 1000,
    });
    // An idle client that loses its server emits 'error'; the next check reports it.
    this.pool.on('error', () => undefined);
    this.redis = new Redis(
      redisOptionsFromUrl(config.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        connectTimeout: 1000,
        commandTimeout: 1000,
        maxRetriesPerRequest: 0,
        retryStrategy: (times) => Math.min(times * 200, 1000),
      }),
    );
    this.redis.on('error', () => undefined);
  }

  async check(): Promise<HealthReport> {
    const [db, redis] = await Promise.all([this.checkDb(), this.checkRedis()]);
    if (db === 'down' || redis === 'down') {
      return { status: 'error', db: db === 'down' ? 'down' : 'up', redis };
    }
    return {
      status: 'ok',
      db: 'up',
      redis,
      auditProtected: !this.ownerUrlInEnvironment && db.auditProtected,
    };
  }

  /** The database check is the catalog question itself: one round trip answers both. */
  private async checkDb(): Promise<{ auditProtected: boolean } | 'down'> {
    try {
      const res = await within(
        this.pool.query<{ protected: boolean }>(AUDIT_PROTECTED_SQL),
        CHECK_TIMEOUT_MS,
      );
      return { auditProtected: res.rows[0]?.protected === true };
    } catch {
      return 'down';
    }
  }

  private async checkRedis(): Promise<PartState> {
    try {
      if (this.redis.status === 'wait') await within(this.redis.connect(), CHECK_TIMEOUT_MS);
      const pong = await within(this.redis.ping(), CHECK_TIMEOUT_MS);
      return pong === 'PONG' ? 'up' : 'down';
    } catch {
      return 'down';
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
    await this.pool.end().catch(() => undefined);
  }
}

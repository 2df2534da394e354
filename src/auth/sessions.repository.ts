import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { returned } from '../platform/database/sql';
import { type PrincipalRow } from './principals.repository';

/**
 * Browser sessions live in PostgreSQL, not Redis: they survive a Redis flush or restart (which the
 * queues tolerate but signed-in people should not notice), the directory sync that disables a person
 * ends that person's sessions inside its own transaction, and an operator can list or end them with
 * SQL. Only the SHA-256 of the session secret is stored.
 */
export interface SessionRow {
  id: string;
  ck?: string;
  principal_id: string;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

export type SessionEndReason = 'logout' | 'revoked' | 'ended_by_admin' | 'principal_disabled';

const COLS = 'id, principal_id, user_agent, created_at, last_seen_at, expires_at, ended_at';
/** A session is live while not ended, before its absolute end, and seen within the idle time ($n seconds). */
const live = (n: number, a = ''): string =>
  `${a}ended_at IS NULL AND ${a}expires_at > now() AND ${a}last_seen_at > now() - make_interval(secs => $${n}::float8)`;

@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    m: EntityManager,
    s: { principalId: string; secretHash: Buffer; userAgent: string | null; maxSeconds: number },
  ): Promise<SessionRow> {
    const rows = await m.query<SessionRow[]>(
      `INSERT INTO auth_sessions (principal_id, secret_hash, user_agent, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::float8)) RETURNING ${COLS}`,
      [s.principalId, s.secretHash, s.userAgent, s.maxSeconds],
    );
    return rows[0];
  }

  /** The live session with this secret's hash and its principal. */
  async getLiveByHash(
    hash: Buffer,
    idleSeconds: number,
  ): Promise<(SessionRow & { principal: PrincipalRow }) | null> {
    const rows = await this.dataSource.query<
      (SessionRow & { principal: PrincipalRow & { created_at: string } })[]
    >(
      `SELECT s.id, s.principal_id, s.user_agent, s.created_at, s.last_seen_at, s.expires_at, s.ended_at,
              row_to_json(p) AS principal
       FROM auth_sessions s JOIN principals p ON p.id = s.principal_id
       WHERE s.secret_hash = $1 AND ${live(2, 's.')}`,
      [hash, idleSeconds],
    );
    const row = rows[0];
    if (!row) return null;
    return { ...row, principal: { ...row.principal, created_at: new Date(row.principal.created_at) } };
  }

  /** lastSeenAt at most once per `everySeconds` per session, however many requests it makes. */
  async touch(id: string, everySeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE auth_sessions SET last_seen_at = now()
       WHERE id = $1 AND ended_at IS NULL AND last_seen_at < now() - make_interval(secs => $2::float8)`,
      [id, everySeconds],
    );
  }

  async listLive(principalId: string, idleSeconds: number, ks: Keyset): Promise<SessionRow[]> {
    return this.dataSource.query<SessionRow[]>(
      `SELECT ${COLS}, ${cursorKey('created_at')} AS ck FROM auth_sessions
       WHERE principal_id = $1 AND ${live(2)} AND ${ks.after(3)}
       ORDER BY created_at, id LIMIT $5`,
      [principalId, idleSeconds, ...ks.params],
    );
  }

  async get(id: string): Promise<SessionRow | null> {
    const rows = await this.dataSource.query<SessionRow[]>(
      `SELECT ${COLS} FROM auth_sessions WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Ends one session; false when it had already ended. */
  async end(m: EntityManager, id: string, reason: SessionEndReason): Promise<boolean> {
    const rows = returned<{ id: string }>(
      await m.query(
        `UPDATE auth_sessions SET ended_at = now(), end_reason = $2 WHERE id = $1 AND ended_at IS NULL RETURNING id`,
        [id, reason],
      ),
    );
    return rows.length > 0;
  }

  /** Ends every open session of these principals; the ids of the sessions it ended. */
  async endAllOf(m: EntityManager, principalIds: string[], reason: SessionEndReason): Promise<string[]> {
    if (principalIds.length === 0) return [];
    const rows = returned<{ id: string }>(
      await m.query(
        `UPDATE auth_sessions SET ended_at = now(), end_reason = $2
         WHERE principal_id = ANY($1::uuid[]) AND ended_at IS NULL RETURNING id`,
        [principalIds, reason],
      ),
    );
    return rows.map((r) => r.id);
  }
}

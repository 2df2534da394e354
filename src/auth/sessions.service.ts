import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { type Page } from '../platform/http/pagination';
import { actorOf } from './actor-of';
import { CSRF_COOKIE, readCookie, serializeCookie, SESSION_COOKIE } from './cookies';
import { csrfRefusal, csrfTokenFor, deriveSignInKeys, type SignInKeys } from './csrf';
import { type SessionResponse } from './dto/session.dto';
import { PrincipalsRepository } from './principals.repository';
import { type SessionEndReason, type SessionRow, SessionsRepository } from './sessions.repository';
import { hashToken } from './tokens';

export interface CookieHeaders {
  cookie?: string;
  origin?: string;
  'x-csrf-token'?: string | string[];
}

export type SessionAuth =
  { ok: true; actor: Actor; secret: string } | { ok: false; reason: 'unknown' | 'disabled' };

/** Browser sessions: created at sign-in, checked on every request, listed and ended (API.md). */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  readonly keys: SignInKeys;
  private readonly idleSeconds: number;
  private readonly maxSeconds: number;
  /** lastSeenAt is written at most this often: once a minute, or more often for an idle time under 4 minutes. */
  private readonly touchSeconds: number;
  readonly secureCookies: boolean;
  readonly publicOrigin: string;

  constructor(
    private readonly repo: SessionsRepository,
    private readonly principals: PrincipalsRepository,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = deriveSignInKeys(config.encryptionKey);
    this.idleSeconds = config.sessionIdleMinutes * 60;
    this.maxSeconds = config.sessionMaxHours * 3600;
    this.touchSeconds = Math.min(60, this.idleSeconds / 4);
    this.secureCookies = new URL(config.signInBaseUrl).protocol === 'https:';
    this.publicOrigin = new URL(config.signInBaseUrl).origin;
  }

  /** A new session for a principal that just signed in, in the sign-in's transaction; its cookies. */
  async create(
    m: EntityManager,
    principalId: string,
    userAgent: string | null,
  ): Promise<{ session: SessionRow; secret: string; cookies: string[] }> {
    const secret = randomBytes(32).toString('base64url');
    const session = await this.repo.insert(m, {
      principalId,
      secretHash: hashToken(secret),
      userAgent: userAgent?.slice(0, 512) ?? null,
      maxSeconds: this.maxSeconds,
    });
    return { session, secret, cookies: this.cookiesFor(secret) };
  }

  private cookiesFor(secret: string): string[] {
    const maxAge = this.maxSeconds;
    return [
      serializeCookie(SESSION_COOKIE, secret, { httpOnly: true, secure: this.secureCookies, maxAge }),
      // Readable by the page's script, which echoes it in X-CSRF-Token.
      serializeCookie(CSRF_COOKIE, csrfTokenFor(this.keys.csrf, secret), {
        httpOnly: false,
        secure: this.secureCookies,
        maxAge,
      }),
    ];
  }

  /** Set-Cookie values that remove both session cookies. */
  clearingCookies(): string[] {
    return [
      serializeCookie(SESSION_COOKIE, '', { httpOnly: true, secure: this.secureCookies, maxAge: 0 }),
      serializeCookie(CSRF_COOKIE, '', { httpOnly: false, secure: this.secureCookies, maxAge: 0 }),
    ];
  }

  /** The actor of a session cookie; checked on every request (no cache: an ended session ends at once). */
  async authenticate(secret: string): Promise<SessionAuth> {
    if (secret.length > 200) return { ok: false, reason: 'unknown' };
    const row = await this.repo.getLiveByHash(hashToken(secret), this.idleSeconds);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.principal.disabled) return { ok: false, reason: 'disabled' };
    if (Date.now() - row.last_seen_at.getTime() > this.touchSeconds * 1000) {
      await this.repo
        .touch(row.id, this.touchSeconds)
        .catch((err: unknown) => this.logger.warn({ err }, 'lastSeenAt not written'));
    }
    return { ok: true, actor: actorOf(row.principal, { via: 'session', sessionId: row.id }), secret };
  }

  private toResponse(s: SessionRow, currentId: string | null): SessionResponse {
    // The session ends at the earlier of its absolute end and its idle end, if unused from now on.
    const idleEnd = s.last_seen_at.getTime() + this.idleSeconds * 1000;
    return {
      id: s.id,
      createdAt: s.created_at.toISOString(),
      lastSeenAt: s.last_seen_at.toISOString(),
      expiresAt: new Date(Math.min(idleEnd, s.expires_at.getTime())).toISOString(),
      userAgent: s.user_agent,
      current: s.id === currentId,
    };
  }

  private currentSessionId(actor: Actor): string | null {
    return actor.type === 'principal' && actor.auth.via === 'session' ? actor.auth.sessionId : null;
  }

  async listOwn(actor: Actor, limit: number, cursor?: string): Promise<Page<SessionResponse>> {
    if (actor.type !== 'principal') throw forbidden();
    return this.listOf(actor, actor.id, limit, cursor);
  }

  async listFor(
    actor: Actor,
    principalId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<SessionResponse>> {
    if (!(await this.principals.getById(principalId))) throw notFound('Principal');
    return this.listOf(actor, principalId, limit, cursor);
  }

  private async listOf(
    actor: Actor,
    principalId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<SessionResponse>> {
    const ks = Keyset.from(cursor, limit);
    const current = this.currentSessionId(actor);
    return ks.page(await this.repo.listLive(principalId, this.idleSeconds, ks), (s) =>
      this.toResponse(s, current),
    );
  }

  /** A principal ends one of its own sessions (another's is not found: its id reveals nothing). */
  async revokeOwn(actor: Actor, sessionId: string): Promise<void> {
    if (actor.type !== 'principal') throw forbidden();
    const s = await this.repo.get(sessionId);
    if (!s || s.principal_id !== actor.id) throw notFound('Session');
    await this.endOne(actor, s, 'revoked');
  }

  /**
   * `POST /auth/logout`: ends the session of the cookie, after the same CSRF check as every cookie
   * write (else anyone's page could sign a visitor out); without a live session there is nothing to
   * end. Either way the answer removes both cookies.
   */
  async logoutByCookie(headers: CookieHeaders): Promise<string[]> {
    const secret = readCookie(headers.cookie, SESSION_COOKIE);
    const auth = secret ? await this.authenticate(secret) : null;
    if (auth?.ok && auth.actor.type === 'principal' && auth.actor.auth.via === 'session') {
      this.checkCsrf(auth.secret, headers);
      const s = await this.repo.get(auth.actor.auth.sessionId);
      if (s) await this.endOne(auth.actor, s, 'logout');
    }
    return this.clearingCookies();
  }

  /** The CSRF rule for a write authenticated by this session's cookie: 403 `csrf` when broken. */
  checkCsrf(secret: string, headers: CookieHeaders): void {
    const refusal = csrfRefusal(this.keys.csrf, secret, headers, this.publicOrigin);
    if (refusal) throw new AppError('csrf', refusal);
  }

  private async endOne(actor: Actor, s: SessionRow, reason: SessionEndReason): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (!(await this.repo.end(m, s.id, reason))) return;
      await this.audit.record(m, actor, {
        action: reason === 'logout' ? 'session.signed_out' : 'session.revoked',
        targetType: 'session',
        targetId: s.id,
        data: { principalId: s.principal_id },
      });
    });
  }

  /** An admin ends every session of a principal (one audit event with the count). */
  async endAllFor(actor: Actor, principalId: string): Promise<void> {
    if (!(await this.principals.getById(principalId))) throw notFound('Principal');
    await this.dataSource.transaction(async (m) => {
      const ended = await this.repo.endAllOf(m, [principalId], 'ended_by_admin');
      await this.audit.record(m, actor, {
        action: 'session.ended_all',
        targetType: 'principal',
        targetId: principalId,
        data: { sessionsEnded: ended.length },
      });
    });
  }

  /** Ends the sessions of principals being disabled, inside the caller's transaction (the sync's). */
  async endForDisabled(m: EntityManager, principalIds: string[]): Promise<number> {
    return (await this.repo.endAllOf(m, principalIds, 'principal_disabled')).length;
  }
}

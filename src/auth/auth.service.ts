import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor, type Role } from '../platform/actor';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { type AccountLinkResolver, type LinkedAccount } from './account-links';
import { actorOf } from './actor-of';
import { type PrincipalResponse, type UpdatePrincipalDto } from './dto/principal.dto';
import { type PrincipalKind, type PrincipalRow, PrincipalsRepository } from './principals.repository';
import { SessionsService } from './sessions.service';
import { hashToken, TOKEN_PREFIX } from './tokens';

export const BOOTSTRAP_EMAIL = 'bootstrap-admin';

/** Until the directory registers its facts (tests of auth alone), nobody has an account. */
const NO_DIRECTORY: AccountLinkResolver = {
  accountsForEmail: () => Promise.resolve([]),
  accountStatusForEmail: () => Promise.resolve('none'),
  groupsOfEmails: () => Promise.resolve(new Map()),
};

export function toPrincipalResponse(p: PrincipalRow): PrincipalResponse {
  return {
    id: p.id,
    email: p.email,
    displayName: p.display_name,
    roles: p.roles,
    disabled: p.disabled,
    kind: p.kind,
    createdAt: p.created_at.toISOString(),
  };
}

export { actorOf } from './actor-of';

export type AuthOutcome =
  { ok: true; actor: Actor } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'disabled' };

/**
 * How long a successful authentication is remembered in this process, keyed by the token's SHA-256:
 * a busy client then costs one token lookup a second instead of one per request. This process forgets
 * everything it remembers when it revokes a token or changes or disables a principal, so there those
 * apply on the next request; a change made by another process applies here within this bound. Expiry
 * is checked on every request against the remembered expiresAt.
 */
export const AUTH_CACHE_MS = 1_000;
// Past this many remembered tokens the cache starts over rather than grow (one entry per live token).
const AUTH_CACHE_MAX = 10_000;

type Resolved = (AuthOutcome & { ok: false }) | { ok: true; actor: Actor; expiresAt: number };

interface CachedAuth {
  actor: Actor;
  expiresAt: number;
  until: number;
}

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private bootstrap: PrincipalRow | null = null;
  private resolver: AccountLinkResolver = NO_DIRECTORY;
  private readonly cache = new Map<string, CachedAuth>();
  // Bumped by every invalidation: a lookup that began before one is not remembered (it may be stale).
  private generation = 0;
  private readonly bootstrapHash: Buffer | null;

  constructor(
    private readonly repo: PrincipalsRepository,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.bootstrapHash = config.bootstrapAdminToken ? hashToken(config.bootstrapAdminToken) : null;
  }

  /** The directory registers how principals link to accounts (auth imports no domain). */
  registerAccountLinks(resolver: AccountLinkResolver): void {
    this.resolver = resolver;
  }

  /** The directory's facts about emails (accounts, their status, role-group memberships). */
  get directory(): AccountLinkResolver {
    return this.resolver;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.bootstrapAdminToken) this.bootstrap = await this.ensureBootstrapPrincipal();
  }

  /** The principal `bootstrap-admin` exists once, with role admin, whenever the variable is set. */
  private async ensureBootstrapPrincipal(): Promise<PrincipalRow> {
    return this.dataSource.transaction(async (m) => {
      const created = await this.repo.insert(m, {
        email: BOOTSTRAP_EMAIL,
        displayName: 'Bootstrap admin',
        roles: ['admin'],
        isBootstrap: true,
        kind: 'service',
      });
      if (created) {
        // Created at start-up from BOOTSTRAP_ADMIN_TOKEN: the token the principal will authenticate with.
        await this.audit.record(m, actorOf(created, { via: 'token' }), {
          action: 'principal.created',
          targetType: 'principal',
          targetId: created.id,
          data: { email: created.email, roles: created.roles, bootstrap: true },
        });
        return created;
      }
      const existing = await this.repo.getByEmail(BOOTSTRAP_EMAIL, m);
      if (!existing) throw new Error('bootstrap principal vanished');
      return existing;
    });
  }

  /**
   * Resolves a bearer token to an actor; expiry applies on the next request, revocation and disabling
   * on the next request in this process and within AUTH_CACHE_MS in the others.
   */
  async authenticate(token: string): Promise<AuthOutcome> {
    const hash = hashToken(token);
    // Digest against digest, in constant time (as secretsEqual).
    const isBootstrap = this.bootstrapHash !== null && timingSafeEqual(hash, this.bootstrapHash);
    if (!isBootstrap && (!token.startsWith(TOKEN_PREFIX) || token.length > 200)) {
      return { ok: false, reason: 'unknown' };
    }
    const key = hash.toString('base64');
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) {
      if (hit.expiresAt > now) return { ok: true, actor: hit.actor };
      this.cache.delete(key);
      return { ok: false, reason: 'expired' };
    }
    const generation = this.generation;
    const outcome = isBootstrap ? await this.authenticateBootstrap() : await this.authenticateToken(hash);
    if (!outcome.ok) {
      this.cache.delete(key);
      return outcome;
    }
    // Shared by the requests that find it here: frozen so that none can change another's actor.
    const actor = Object.freeze({ ...outcome.actor });
    if (generation === this.generation) {
      if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear();
      this.cache.set(key, { actor, expiresAt: outcome.expiresAt, until: Date.now() + AUTH_CACHE_MS });
    }
    return { ok: true, actor };
  }

  /** Forgets every remembered authentication: after a revocation or a change to a principal. */
  forgetAuthentications(): void {
    this.generation++;
    this.cache.clear();
  }

  private async authenticateBootstrap(): Promise<Resolved> {
    const p = this.bootstrap ? await this.repo.getById(this.bootstrap.id) : null;
    if (!p) return { ok: false, reason: 'unknown' };
    if (p.disabled) return { ok: false, reason: 'disabled' };
    // The bootstrap token has no token row, hence no tokenId.
    return { ok: true, actor: actorOf(p, { via: 'token' }), expiresAt: Number.POSITIVE_INFINITY };
  }

  private async authenticateToken(hash: Buffer): Promise<Resolved> {
    const row = await this.repo.getTokenByHash(hash);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    if (row.principal.disabled) return { ok: false, reason: 'disabled' };
    // No token is minted for the bootstrap principal; one left from before that rule must not keep
    // it authenticating once BOOTSTRAP_ADMIN_TOKEN is unset.
    if (row.principal.is_bootstrap) return { ok: false, reason: 'unknown' };
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.repo
        .touchToken(row.id)
        .catch((err: unknown) => this.logger.warn({ err }, 'lastUsedAt not written'));
    }
    return {
      ok: true,
      actor: actorOf(row.principal, { via: 'token', tokenId: row.id }),
      expiresAt: row.expires_at.getTime(),
    };
  }

  async createPrincipal(
    actor: Actor,
    dto: { email: string; displayName?: string; roles?: Role[]; kind?: PrincipalKind },
  ): Promise<PrincipalResponse> {
    const kind = dto.kind ?? 'person';
    // A service principal must never pass for a person: not the email of an account (any state but
    // removed) nor of a person principal (API.md).
    if (kind === 'service' && (await this.resolver.accountStatusForEmail(dto.email)) !== 'none') {
      throw new AppError('email_belongs_to_person', 'This email belongs to a directory account: a person');
    }
    return this.dataSource.transaction(async (m) => {
      const p = await this.repo.insert(m, {
        email: dto.email,
        displayName: dto.displayName ?? null,
        roles: dto.roles ?? [],
        kind,
      });
      if (!p) {
        const existing = await this.repo.getByEmail(dto.email, m);
        if (kind === 'service' && existing?.kind === 'person') {
          throw new AppError('email_belongs_to_person', 'A person principal has this email');
        }
        throw new AppError('email_taken', 'A principal with this email already exists');
      }
      await this.audit.record(m, actor, {
        action: 'principal.created',
        targetType: 'principal',
        targetId: p.id,
        data: { email: p.email, roles: p.roles, kind: p.kind },
      });
      return toPrincipalResponse(p);
    });
  }

  /** Finds or creates (no roles, no token) the principal of an email: reviewers by manager, for instance. */
  async ensurePrincipalForEmail(
    actor: Actor,
    email: string,
    displayName: string | null,
  ): Promise<PrincipalRow> {
    const existing = await this.repo.getByEmail(email);
    if (existing) return existing;
    return this.dataSource.transaction(async (m) => {
      const p =
        (await this.repo.insert(m, { email, displayName, roles: [] })) ??
        (await this.repo.getByEmail(email, m));
      if (!p) throw new Error('principal neither inserted nor found');
      await this.audit.record(m, actor, {
        action: 'principal.created',
        targetType: 'principal',
        targetId: p.id,
        data: { email: p.email, roles: [], automatic: true },
      });
      return p;
    });
  }

  async listPrincipals(_actor: Actor, limit: number, cursor?: string): Promise<Page<PrincipalResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.list(ks), toPrincipalResponse);
  }

  async getPrincipal(_actor: Actor, id: string): Promise<PrincipalResponse> {
    const p = await this.repo.getById(id);
    if (!p) throw notFound('Principal');
    return toPrincipalResponse(p);
  }

  async updatePrincipal(actor: Actor, id: string, dto: UpdatePrincipalDto): Promise<PrincipalResponse> {
    const response = await this.dataSource.transaction(async (m) => {
      const before = await this.repo.getById(id, m);
      if (!before) throw notFound('Principal');
      if (before.is_bootstrap && dto.roles !== undefined) {
        // Its role comes from BOOTSTRAP_ADMIN_TOKEN; it may be disabled (or the variable unset) instead.
        throw new AppError('invalid_state', 'The roles of the bootstrap admin cannot change');
      }
      if (before.oidc_subject !== null && dto.roles !== undefined) {
        throw new AppError(
          'roles_from_groups',
          'This principal signs in: its roles come from ADMIN_GROUPS and AUDITOR_GROUPS in the directory',
        );
      }
      const after = await this.repo.update(m, id, dto);
      if (!after) throw notFound('Principal');
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (dto.displayName !== undefined && before.display_name !== after.display_name) {
        changes.displayName = { from: before.display_name, to: after.display_name };
      }
      if (dto.roles !== undefined && before.roles.join() !== after.roles.join()) {
        changes.roles = { from: before.roles, to: after.roles };
      }
      if (dto.disabled !== undefined && before.disabled !== after.disabled) {
        changes.disabled = { from: before.disabled, to: after.disabled };
      }
      // A disabled principal's sessions end with it (its requests would get 401 anyway).
      const sessionsEnded =
        after.disabled && !before.disabled ? await this.sessions.endForDisabled(m, [id]) : 0;
      if (Object.keys(changes).length > 0) {
        await this.audit.record(m, actor, {
          action: 'principal.updated',
          targetType: 'principal',
          targetId: id,
          data: { changes, ...(sessionsEnded > 0 ? { sessionsEnded } : {}) },
        });
      }
      return toPrincipalResponse(after);
    });
    // Roles or disabled may have changed: the principal's next request is checked afresh.
    this.forgetAuthentications();
    return response;
  }

  async me(actor: Actor): Promise<PrincipalResponse & { accounts: LinkedAccount[] }> {
    if (actor.type !== 'principal') throw forbidden();
    const p = await this.repo.getById(actor.id);
    if (!p) throw notFound('Principal');
    // A service principal is never linked to directory accounts.
    const accounts = p.kind === 'service' ? [] : await this.resolver.accountsForEmail(p.email);
    return { ...toPrincipalResponse(p), accounts };
  }

  /**
   * Disables the (non-bootstrap) principals with these emails, each audited, inside the caller's
   * transaction: the directory calls this when every account linked to a principal became inactive.
   */
  async disablePrincipalsByEmail(
    m: EntityManager,
    actor: Actor,
    emails: string[],
    reason: string,
  ): Promise<string[]> {
    const disabled = await this.repo.disableByEmails(m, emails);
    // Their sessions end in the same transaction: nobody keeps a browser session past the sync.
    const sessionsEnded = await this.sessions.endForDisabled(
      m,
      disabled.map((p) => p.id),
    );
    // Before the caller commits: a request in between may remember the principal as enabled again,
    // for at most AUTH_CACHE_MS after the commit.
    if (disabled.length > 0) this.forgetAuthentications();
    for (const p of disabled) {
      await this.audit.record(m, actor, {
        action: 'principal.disabled',
        targetType: 'principal',
        targetId: p.id,
        data: { email: p.email, reason, changes: { disabled: { from: false, to: true } } },
      });
    }
    if (sessionsEnded > 0) {
      await this.audit.record(m, actor, {
        action: 'session.ended_all',
        targetType: 'principal',
        targetId: null,
        data: { reason: 'principal_disabled', principals: disabled.map((p) => p.id), sessionsEnded },
      });
    }
    return disabled.map((p) => p.id);
  }

  /** Lower-cased emails of the principals that are not disabled (a small set next to a directory). */
  async enabledPrincipalEmails(): Promise<string[]> {
    return this.repo.enabledEmails();
  }

  /** Which of these principal ids exist: services validating reviewer or approver lists ask this. */
  async existingPrincipalIds(ids: string[]): Promise<string[]> {
    return this.repo.existingIds(ids);
  }

  async getPrincipalRow(id: string): Promise<PrincipalRow | null> {
    return this.repo.getById(id);
  }

  /** Principals by id (small lists: reviewers of a campaign), without creating any. */
  async principalRowsByIds(ids: string[]): Promise<PrincipalRow[]> {
    return this.repo.getByIdsOrEmails([...new Set(ids)], []);
  }

  /** Principals by email (case-insensitive), without creating any: what a launch would find. */
  async principalRowsByEmails(emails: string[]): Promise<PrincipalRow[]> {
    return this.repo.getByIdsOrEmails([], [...new Set(emails)]);
  }

  /** Principals holding the role (a handful), oldest first, disabled and bootstrap included: callers choose. */
  async principalRowsWithRole(role: Role): Promise<PrincipalRow[]> {
    return this.repo.withRoleOldestFirst(role);
  }
}

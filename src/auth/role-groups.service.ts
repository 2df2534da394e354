import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor, systemActor } from '../platform/actor';
import { AuthService } from './auth.service';
import { PrincipalsRepository } from './principals.repository';
import { rolesFromGroups, sameRoles } from './sign-in.policy';

/**
 * The directory publishes this after every sync commits (directory.events.ts). The name is repeated
 * here because auth imports no domain; test/auth/signin.spec.ts checks that the two agree.
 */
export const SYNC_COMPLETED_EVENT = 'directory.sync.completed';

const ROLE_GROUPS_ACTOR = systemActor('role-groups');

/**
 * Roles of principals bound to an identity provider come from ADMIN_GROUPS / AUDITOR_GROUPS in the
 * synced directory (API.md): recomputed at every sign-in (in its transaction) and after every sync,
 * each change audited. Principals not bound keep the roles set by hand.
 */
@Injectable()
export class RoleGroupsService {
  private readonly logger = new Logger(RoleGroupsService.name);

  constructor(
    private readonly repo: PrincipalsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The JumpCloud ids of every role group: never requestable (access reads this through config). */
  get groupIds(): string[] {
    return [...this.config.adminGroups, ...this.config.auditorGroups];
  }

  /**
   * Sets the group-derived roles of these bound principals (every bound one when omitted), locking
   * them so two recomputes never interleave; returns how many changed.
   */
  async recompute(m: EntityManager, actor: Actor, reason: string, principalIds?: string[]): Promise<number> {
    const bound = await this.repo.lockBound(m, principalIds);
    if (bound.length === 0) return 0;
    const memberOf = await this.auth.directory.groupsOfEmails(
      bound.map((p) => p.email),
      this.groupIds,
    );
    let changed = 0;
    for (const p of bound) {
      const roles = rolesFromGroups(
        memberOf.get(p.email.toLowerCase()) ?? [],
        this.config.adminGroups,
        this.config.auditorGroups,
      );
      if (sameRoles(roles, p.roles)) continue;
      await this.repo.setRoles(m, p.id, roles);
      await this.audit.record(m, actor, {
        action: 'principal.roles_changed',
        targetType: 'principal',
        targetId: p.id,
        data: { email: p.email, reason, changes: { roles: { from: p.roles, to: roles } } },
      });
      changed++;
    }
    // Remembered token authentications carry roles: forget them so the new roles apply at once.
    if (changed > 0) this.auth.forgetAuthentications();
    return changed;
  }

  @OnEvent(SYNC_COMPLETED_EVENT, { async: true, promisify: true })
  async afterSync(): Promise<void> {
    try {
      const changed = await this.dataSource.transaction((m) =>
        this.recompute(m, ROLE_GROUPS_ACTOR, 'directory sync'),
      );
      if (changed > 0) this.logger.log({ changed }, 'roles from directory groups recomputed');
    } catch (err) {
      // The next sync or sign-in recomputes; a failure here must not fail the sync's other subscribers.
      this.logger.error({ err }, 'roles from directory groups not recomputed');
    }
  }
}

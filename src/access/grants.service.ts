import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type Actor, isAdmin } from '../platform/actor';
import { iso } from '../platform/database/sql';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { AccessVisibility } from './access-visibility';
import { type GrantResponse, type GrantStatus } from './dto/access.dto';
import { toGrant } from './dto/access.mappers';
import { type RequestRow } from './dto/access.rows';
import { AccessRequestsRepository } from './access-requests.repository';
import { type AfterCommit, afterCommit, GrantEffects, grantIntent } from './grant-effects';
import { GrantsRepository } from './grants.repository';

/** Grants: made from approved requests, listed, revoked early (the expiry and outcomes have their own services). */
@Injectable()
export class GrantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantsRepository,
    private readonly requests: AccessRequestsRepository,
    private readonly visibility: AccessVisibility,
    private readonly effects: GrantEffects,
    private readonly audit: AuditService,
  ) {}

  /**
   * An approved request becomes a grant (and an `add_member` operation) in the caller's transaction,
   * or extends the live grant of the same account and group.
   */
  async grantFor(
    m: EntityManager,
    actor: Actor,
    request: RequestRow,
    after: AfterCommit,
    action: string,
    auditData: Record<string, unknown> = {},
  ): Promise<RequestRow> {
    const live = await this.grants.lockLive(m, request.group_id, request.account_id);
    if (live?.status === 'revoking') {
      throw new AppError('invalid_state', 'The current grant of this account is being revoked');
    }
    let grantId: string;
    if (live) {
      const extended = await this.grants.extend(m, live.id, request.duration_minutes);
      grantId = extended.id;
      if (extended.status === 'active') after.schedule.push(extended);
      await this.audit.record(m, actor, {
        action: 'access.grant.extended',
        targetType: 'grant',
        targetId: grantId,
        data: {
          requestId: request.id,
          previousExpiresAt: iso(live.expires_at),
          expiresAt: iso(extended.expires_at),
        },
      });
    } else if (request.starts_at && request.starts_at.getTime() > Date.now()) {
      // Its add waits for the start (a delayed job and the cluster tick), after a re-check.
      const grant = await this.grants.insertScheduled(m, request);
      grantId = grant.id;
      after.starts.push(grant);
      await this.audit.record(m, actor, {
        action: 'access.grant.scheduled',
        targetType: 'grant',
        targetId: grantId,
        data: {
          requestId: request.id,
          accountId: request.account_id,
          groupId: request.group_id,
          durationMinutes: request.duration_minutes,
          startsAt: request.starts_at.toISOString(),
        },
      });
    } else {
      const grant = await this.grants.insert(m, request);
      grantId = grant.id;
      await this.effects.enqueue(m, after, [
        grantIntent(grant, 'add_member', `access request ${request.id} approved`),
      ]);
      await this.audit.record(m, actor, {
        action: 'access.grant.created',
        targetType: 'grant',
        targetId: grantId,
        data: {
          requestId: request.id,
          accountId: request.account_id,
          groupId: request.group_id,
          durationMinutes: request.duration_minutes,
        },
      });
    }
    const approved = await this.requests.markApproved(m, request.id, grantId);
    await this.audit.record(m, actor, {
      action,
      targetType: 'access_request',
      targetId: request.id,
      data: { grantId, extension: !!live, ...auditData },
    });
    return approved;
  }

  async listGrants(
    actor: Actor,
    f: { status?: GrantStatus; accountId?: string; groupId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<GrantResponse>> {
    const v = await this.visibility.readScope(actor);
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.grants.list(v, f, ks), toGrant);
  }

  /** Early revoke by the beneficiary, an approver of the group or an admin. */
  async revokeGrant(actor: Actor, id: string, reason: string): Promise<GrantResponse> {
    const mine = (await this.visibility.myAccounts(actor)).map((a) => a.id);
    const after = afterCommit([id]);
    const row = await this.dataSource.transaction(async (m) => {
      const g = await this.grants.lock(m, id);
      if (!g) throw notFound('Grant');
      if (
        !isAdmin(actor) &&
        !mine.includes(g.account_id) &&
        !(await this.visibility.isApprover(actor, g.group_id, m))
      ) {
        throw forbidden('Only the beneficiary, an approver of the group or an admin may revoke this grant');
      }
      if (g.status !== 'active' && g.status !== 'provisioning' && g.status !== 'scheduled') {
        throw new AppError('invalid_state', `The grant is ${g.status}`);
      }
      // A grant that has not started added nothing: it ends at once.
      const revoking =
        g.status === 'scheduled'
          ? await this.grants.endScheduled(m, id, 'revoked', null)
          : await this.grants.markRevoking(m, id);
      // A grant whose add has not settled yet: its outcome decides (a landed add is removed then, a
      // standing member found is left alone), so no removal can overtake a standing membership.
      if (g.status === 'active') {
        await this.effects.enqueue(m, after, [grantIntent(g, 'remove_member', `grant revoked: ${reason}`)]);
      }
      await this.audit.record(m, actor, {
        action: 'access.grant.revoked',
        targetType: 'grant',
        targetId: id,
        data: { reason, accountId: g.account_id, groupId: g.group_id },
      });
      return revoking;
    });
    await this.effects.afterCommit(after);
    return toGrant(row);
  }

  /**
   * Grants whose membership an access review's removal took out end `revoked`, inside the caller's
   * transaction (campaigns applies the removal's success). The review's own `remove_member` operation
   * took the member out, so no second operation is made for the grant (one JumpCloud call per change);
   * a grant already revoking or ended is left to its own outcome.
   */
  async endGrantsRevokedByReview(
    m: EntityManager,
    actor: Actor,
    revoked: { grantId: string; reviewItemId: string }[],
  ): Promise<number> {
    if (revoked.length === 0) return 0;
    const ended = await this.grants.endActiveAsRevoked(
      m,
      revoked.map((r) => r.grantId),
    );
    for (const g of ended) {
      await this.audit.record(m, actor, {
        action: 'access.grant.revoked',
        targetType: 'grant',
        targetId: g.id,
        data: {
          reason: 'access review',
          reviewItemId: revoked.find((r) => r.grantId === g.id)?.reviewItemId ?? null,
          accountId: g.account_id,
          groupId: g.group_id,
        },
      });
    }
    return ended.length;
  }
}

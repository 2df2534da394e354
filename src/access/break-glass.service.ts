import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { StandingReviews } from '../platform/standing-reviews';
import { NotificationsService } from '../notifications/notifications.service';
import { AccessRequestsRepository } from './access-requests.repository';
import { type RequestTarget } from './request-target.service';
import { effectiveSteps } from './approval-steps.policy';
import { type CreateRequestDto } from './dto/access.dto';
import { approversOf } from './dto/access.mappers';
import { type RequestRow } from './dto/access.rows';
import { afterCommit, GrantEffects } from './grant-effects';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';

/** A person's break-glass uses of one group within this window: at most one (API.md). */
const RATE_WINDOW_HOURS = 24;

/**
 * Break-glass (API.md "Just-in-time additions"): where the policy allows it, an eligible requester's
 * request with a justification is granted at once (never an extension), at most once per person and
 * group per 24 hours; `break_glass_used` goes to every owner, approver and admin on every enabled
 * channel whatever their preferences, and a review item goes into the connection's standing campaign
 * `Break-glass reviews`, all in the request's transaction.
 */
@Injectable()
export class BreakGlassService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly requests: AccessRequestsRepository,
    private readonly grantRows: GrantsRepository,
    private readonly grants: GrantsService,
    private readonly effects: GrantEffects,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly notifications: NotificationsService,
    private readonly standing: StandingReviews,
  ) {}

  async use(actor: Actor, t: RequestTarget, dto: CreateRequestDto): Promise<RequestRow> {
    const bg = t.policy.break_glass;
    if (!bg?.enabled) {
      throw new AppError('break_glass_not_allowed', "This group's policy allows no break-glass access");
    }
    if (!t.self) {
      throw new AppError('break_glass_not_allowed', "Break-glass is for the requester's own account only");
    }
    const justification = dto.justification?.trim();
    if (!justification) throw new AppError('justification_required', 'Break-glass needs a justification');
    const duration = dto.durationMinutes ?? bg.maxDurationMinutes;
    if (duration > bg.maxDurationMinutes) {
      throw new AppError(
        'duration_exceeds_policy',
        `A break-glass grant lasts at most ${bg.maxDurationMinutes} minutes for this group`,
      );
    }
    const owners = t.policy.owner_ids;
    const admins = (await this.auth.principalRowsWithRole('admin'))
      .filter((a) => !a.disabled && !a.is_bootstrap)
      .map((a) => a.id);
    const recipients = [...new Set([...owners, ...approversOf(t.policy), ...admins])];

    const after = afterCommit();
    const row = await this.dataSource.transaction(async (m) => {
      // One use at a time per person and group, so two at once cannot both pass the 24-hour check.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`break-glass.${actor.id}.${t.group.id}`]);
      if (await this.grantRows.lockLive(m, t.group.id, t.accountId)) {
        throw new AppError(
          'grant_active',
          'The account has a grant of this group already; break-glass never extends one',
        );
      }
      if (t.standing) {
        throw new AppError('already_member', 'The account is already a standing member of this group');
      }
      if (await this.requests.hasBreakGlassSince(m, actor.id, t.group.id, RATE_WINDOW_HOURS)) {
        throw new AppError(
          'break_glass_rate_limited',
          `Break-glass was used for this group within the last ${RATE_WINDOW_HOURS} hours`,
        );
      }
      const created = await this.requests.insert(
        m,
        {
          connection_id: t.group.connectionId,
          group_id: t.group.id,
          account_id: t.accountId,
          requester_id: actor.id,
          duration_minutes: duration,
          justification,
          approval_steps: effectiveSteps(t.policy),
          starts_at: null,
          break_glass: true,
        },
        t.policy.request_ttl_hours,
      );
      await this.audit.record(m, actor, {
        action: 'access.request.created',
        targetType: 'access_request',
        targetId: created.id,
        data: {
          groupId: t.group.id,
          accountId: t.accountId,
          durationMinutes: duration,
          justification,
          breakGlass: true,
        },
      });
      const granted = await this.grants.grantFor(
        m,
        actor,
        created,
        after,
        'access.request.break_glass_granted',
      );
      after.notificationIds.push(
        ...(await this.notifications.notify(m, {
          kind: 'break_glass_used',
          recipients,
          subject: { type: 'access_request', id: created.id },
          data: {
            requestId: created.id,
            groupName: t.group.name,
            accountEmail: t.accountEmail,
            justification,
            durationMinutes: duration,
          },
          // The review is done in My reviews, where the standing campaign's item shows to its reviewer.
          links: {
            ui: `/requests/${created.id}`,
            api: `/api/v1/access-requests/${created.id}`,
            review: '/reviews',
          },
        })),
      );
      await this.standing.request(m, [
        {
          purpose: 'break_glass',
          connectionId: t.group.connectionId,
          accountId: t.accountId,
          groupId: t.group.id,
          reason: `Break-glass use: ${justification}`,
          grantId: granted.grant_id,
          key: created.id,
        },
      ]);
      return granted;
    });
    await this.effects.afterCommit(after);
    return row;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { assertNotBootstrap, separationOfDutiesViolation } from '../auth/separation-of-duties';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { ConcurrencyLimit } from '../platform/batching/concurrency-limit';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { POLICY_ACTOR } from './access.actors';
import { requestTerms, scheduledStart } from './access-request.policy';
import { AccessNotifications } from './access-notifications';
import { AccessRequestsRepository, type RequestListScope } from './access-requests.repository';
import { AccessVisibility } from './access-visibility';
import { type AccessRequestResponse, type CreateRequestDto, type RequestStatus } from './dto/access.dto';
import { toRequest } from './dto/access.mappers';
import { type PolicyRow, type RequestRow } from './dto/access.rows';
import { ApprovalRoutingService } from './approval-routing.service';
import { effectiveSteps } from './approval-steps.policy';
import { AutoApproveService } from './auto-approve.service';
import { BreakGlassService } from './break-glass.service';
import { RequestTargetService } from './request-target.service';
import { afterCommit, GrantEffects } from './grant-effects';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';
import { GroupPoliciesRepository } from './group-policies.repository';

const isUniqueViolation = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';

// Requests created at once in this process (the pool has 20 connections; the workers use it too).
const CREATE_CONCURRENCY = 8;

/** Access requests and their approvals (ARCHITECTURE.md rule 4: nobody approves their own request). */
@Injectable()
export class AccessRequestsService {
  private readonly admission = new ConcurrencyLimit(CREATE_CONCURRENCY);

  constructor(
    private readonly dataSource: DataSource,
    private readonly requests: AccessRequestsRepository,
    private readonly policies: GroupPoliciesRepository,
    private readonly grantRows: GrantsRepository,
    private readonly grants: GrantsService,
    private readonly visibility: AccessVisibility,
    private readonly effects: GrantEffects,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly notices: AccessNotifications,
    private readonly routing: ApprovalRoutingService,
    private readonly autoApprove: AutoApproveService,
    private readonly targets: RequestTargetService,
    private readonly breakGlass: BreakGlassService,
  ) {}

  async createRequest(actor: Actor, dto: CreateRequestDto): Promise<AccessRequestResponse> {
    // Each request's transaction takes the cluster-wide audit lock, so more at once only fills the
    // pool with connections waiting for it: 1,000 requests at once got 500s (no connection within
    // the pool's timeout) before this. The rest wait here, in order (bench:expiry's burst).
    return this.admission.run(() => this.create(actor, dto));
  }

  private async create(actor: Actor, dto: CreateRequestDto): Promise<AccessRequestResponse> {
    const target = await this.targets.resolve(actor, dto);
    if (dto.breakGlass) return this.toResponse(await this.breakGlass.use(actor, target, dto));
    const { group, policy, accountId, self, mine, standing } = target;
    const { duration, justification } = requestTerms(policy, dto);
    const startsAt = scheduledStart(dto.startsAt, new Date());
    const steps = effectiveSteps(policy);
    // Before the transaction: finding the manager may create the manager's principal.
    const manager = steps.some((st) => st.kind === 'manager')
      ? await this.routing.resolveManager(actor, accountId, actor.id)
      : null;
    const rule = await this.autoApprove.match(policy, mine, { self, durationMinutes: duration });

    const after = afterCommit();
    // Its audit events are written at its end (AuditService.transaction): many requests at once queue
    // on the cluster-wide append lock, which is then held for a few round trips only.
    const row = await this.audit.transaction(async (m) => {
      const live = await this.grantRows.lockLive(m, group.id, accountId);
      if (standing && !live) {
        throw new AppError(
          'already_member',
          'The account is already a standing member of this group; a grant never overlays standing access',
        );
      }
      if (live?.status === 'revoking') {
        throw new AppError('invalid_state', 'The current grant of this account is being revoked');
      }
      let created: RequestRow;
      try {
        created = await this.requests.insert(
          m,
          {
            connection_id: group.connectionId,
            group_id: group.id,
            account_id: accountId,
            requester_id: actor.id,
            duration_minutes: duration,
            justification,
            approval_steps: steps,
            starts_at: startsAt,
            break_glass: false,
          },
          policy.request_ttl_hours,
        );
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('request_pending', 'A request for this account and group is already pending');
        }
        throw err;
      }
      await this.audit.record(m, actor, {
        action: 'access.request.created',
        targetType: 'access_request',
        targetId: created.id,
        data: {
          groupId: group.id,
          accountId,
          durationMinutes: duration,
          justification,
          extension: live ? live.id : null,
        },
      });
      if (rule !== null) {
        await this.requests.recordRule(m, created.id, rule, `approved by auto-approve rule ${rule}`);
        after.notificationIds.push(
          ...(await this.notices.requestDecided(m, created, 'approved', {
            groupName: group.name,
            accountEmail: target.accountEmail ?? '',
          })),
        );
        return this.grants.grantFor(m, POLICY_ACTOR, created, after, 'access.request.auto_approved', {
          rule,
        });
      }
      const opened = await this.routing.open(m, actor, created, policy, manager);
      after.notificationIds.push(...opened.notificationIds);
      return opened.row;
    });
    await this.effects.afterCommit(after);
    return this.toResponse(row);
  }

  private async accountEmail(accountId: string): Promise<string | null> {
    const [account] = await this.directory.accountsByIds([accountId]);
    return account?.email ?? null;
  }

  /**
   * Locks a request and checks that the actor may decide it: an approver of its current step (403 for
   * no step of it, 409 `not_this_step` for a later one), separation of duties, still pending, and not
   * decided by the actor before (one approval counts for one step only).
   */
  private async lockForDecision(
    m: EntityManager,
    actor: Actor,
    id: string,
  ): Promise<{ req: RequestRow; policy: PolicyRow | null }> {
    assertNotBootstrap(actor, 'approve or deny requests');
    const req = await this.requests.lock(m, id);
    if (!req) throw notFound('Access request');
    const policy = await this.policies.get(req.group_id, m);
    const rec = await this.requests.getStepRecords(m, id);
    const check = this.routing.assertMayDecide(m, actor, req, policy, rec.deciders);
    // 403 (not an approver) before anything else is said about the request.
    await check.catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'forbidden') throw err;
    });
    const violation = separationOfDutiesViolation(actor, {
      accountEmails: [await this.accountEmail(req.account_id)],
      principalIds: [req.requester_id],
    });
    if (violation) throw new AppError('separation_of_duties', violation);
    if (req.status !== 'pending') {
      throw new AppError('invalid_state', `The request is ${req.status}, no longer pending`);
    }
    await check;
    return { req, policy };
  }

  async approve(actor: Actor, id: string, comment?: string): Promise<AccessRequestResponse> {
    const after = afterCommit();
    const row = await this.dataSource.transaction(async (m) => {
      const { req, policy } = await this.lockForDecision(m, actor, id);
      await this.requests.recordDecision(m, id, actor.id, 'approve', req.current_step, comment ?? null);
      if (!policy) throw new AppError('not_requestable', 'This group is no longer requestable');
      const next = await this.routing.afterApproval(m, actor, req, policy);
      after.notificationIds.push(...next.notificationIds);
      if (!next.done) {
        await this.audit.record(m, actor, {
          action: 'access.request.approval_recorded',
          targetType: 'access_request',
          targetId: id,
          data: { step: req.current_step, currentStep: next.row.current_step, comment: comment ?? null },
        });
        return next.row;
      }
      after.notificationIds.push(...(await this.notices.requestDecided(m, next.row, 'approved')));
      return this.grants.grantFor(m, actor, next.row, after, 'access.request.approved');
    });
    await this.effects.afterCommit(after);
    return this.toResponse(row);
  }

  async deny(actor: Actor, id: string, comment: string): Promise<AccessRequestResponse> {
    const notices: string[] = [];
    const row = await this.dataSource.transaction(async (m) => {
      const { req } = await this.lockForDecision(m, actor, id);
      notices.push(...(await this.notices.requestDecided(m, req, 'denied')));
      await this.requests.recordDecision(m, id, actor.id, 'deny', req.current_step, comment);
      const denied = await this.requests.markClosed(m, id, 'denied');
      await this.audit.record(m, actor, {
        action: 'access.request.denied',
        targetType: 'access_request',
        targetId: id,
        data: { comment },
      });
      return denied;
    });
    await this.notices.dispatch(notices);
    return this.toResponse(row);
  }

  async cancel(actor: Actor, id: string): Promise<AccessRequestResponse> {
    const row = await this.dataSource.transaction(async (m) => {
      const req = await this.requests.lock(m, id);
      if (!req) throw notFound('Access request');
      if (req.requester_id !== actor.id) throw forbidden('Only the requester may cancel a request');
      if (req.status !== 'pending') {
        throw new AppError('invalid_state', `The request is ${req.status}, no longer pending`);
      }
      const cancelled = await this.requests.markClosed(m, id, 'cancelled');
      await this.audit.record(m, actor, {
        action: 'access.request.cancelled',
        targetType: 'access_request',
        targetId: id,
        data: {},
      });
      return cancelled;
    });
    return this.toResponse(row);
  }

  async listRequests(
    actor: Actor,
    f: { scope?: RequestListScope; status?: RequestStatus },
    limit: number,
    cursor?: string,
  ): Promise<Page<AccessRequestResponse>> {
    const v = await this.visibility.readScope(actor);
    const ks = Keyset.from(cursor, limit);
    const page = ks.page(await this.requests.list(v, f, ks), (r) => r);
    return { items: await this.toResponses(page.items), nextCursor: page.nextCursor };
  }

  async getRequest(actor: Actor, id: string): Promise<AccessRequestResponse> {
    const row = await this.requests.get(id);
    if (!row) throw notFound('Access request');
    const v = await this.visibility.readScope(actor);
    if (
      !v.all &&
      row.requester_id !== v.me &&
      !v.accounts.includes(row.account_id) &&
      !(await this.visibility.isApprover(actor, row.group_id)) &&
      !(await this.visibility.isAddedApprover(actor, row.id))
    ) {
      throw forbidden('You may read your own requests and those you approve');
    }
    return this.toResponse(row);
  }

  private async toResponse(row: RequestRow): Promise<AccessRequestResponse> {
    return (await this.toResponses([row]))[0];
  }

  private async toResponses(rows: RequestRow[]): Promise<AccessRequestResponse[]> {
    if (rows.length === 0) return [];
    const approvals = await this.requests.getApprovalsOf(rows.map((r) => r.id));
    const grantIds = rows.flatMap((r) => (r.grant_id ? [r.grant_id] : []));
    const grants = grantIds.length === 0 ? [] : await this.grantRows.getByIds(grantIds);
    const grantById = new Map(grants.map((g) => [g.id, g]));
    const eligible = await this.routing.eligibleApprovers(rows, approvals);
    return rows.map((r) =>
      toRequest(
        r,
        approvals.filter((a) => a.request_id === r.id),
        r.grant_id ? grantById.get(r.grant_id) : undefined,
        eligible.get(r.id) ?? [],
      ),
    );
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { isSamePerson } from '../auth/separation-of-duties';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { AppError, forbidden } from '../platform/http/app-error';
import { SYNC_ACTOR } from './access.actors';
import { AccessNotifications } from './access-notifications';
import { AccessRequestsRepository } from './access-requests.repository';
import {
  type ApproverChange,
  type LeftReason,
  openStep,
  replacements,
  stepApprovers,
  stepRequired,
} from './approval-steps.policy';
import { type EligibleApprover } from './dto/access.dto';
import { approversOf } from './dto/access.mappers';
import { type ApprovalRow, type PolicyRow, type RequestRow } from './dto/access.rows';
import { GroupPoliciesRepository } from './group-policies.repository';
import { RequestApproversRepository } from './request-approvers.repository';

/** A manager step's approver, or why the step is skipped. */
export type ManagerOutcome = { id: string } | { skip: string };

/**
 * Who approves which step of a request (API.md "Just-in-time additions"): the manager step's manager,
 * the approvers step's approvers, approvers who left skipped and replaced by the owners and then the
 * admins, the step a request waits on, and who can act on it now.
 */
@Injectable()
export class ApprovalRoutingService {
  private readonly logger = new Logger(ApprovalRoutingService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly requests: AccessRequestsRepository,
    private readonly approvers: RequestApproversRepository,
    private readonly policies: GroupPoliciesRepository,
    private readonly directory: DirectoryService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly notices: AccessNotifications,
  ) {}

  /**
   * The principal of the beneficiary account's manager (by email), found before the request's
   * transaction since it may create that principal. Skipped when the account has no manager, the
   * manager's account is suspended or removed, or the manager is the requester.
   */
  async resolveManager(actor: Actor, accountId: string, requesterId: string): Promise<ManagerOutcome> {
    const [account] = await this.directory.accountsByIds([accountId]);
    const [manager] = account?.managerAccountId
      ? await this.directory.accountsByIds([account.managerAccountId])
      : [];
    if (!manager?.email) return { skip: 'the account has no manager in the directory' };
    if (manager.removedAt || manager.state === 'SUSPENDED') {
      return { skip: "the manager's account is suspended or removed" };
    }
    const p = await this.auth.ensurePrincipalForEmail(actor, manager.email, manager.displayName);
    if (p.id === requesterId) return { skip: 'the manager is the requester' };
    if (p.disabled) return { skip: "the manager's principal is disabled" };
    return { id: p.id };
  }

  /**
   * A new request's steps, inside its transaction: the manager step's approver (or the step skipped
   * and recorded), the first step to wait on, approvers who left replaced, and `request_to_approve`
   * to whoever can act. Returns the request as it now stands and the notifications to dispatch.
   */
  async open(
    m: EntityManager,
    actor: Actor,
    req: RequestRow,
    policy: PolicyRow,
    manager: ManagerOutcome | null,
  ): Promise<{ row: RequestRow; notificationIds: string[] }> {
    const skipped = new Set<number>();
    for (const [i, s] of req.approval_steps.entries()) {
      if (s.kind !== 'manager') continue;
      if (manager && 'id' in manager) {
        await this.approvers.insert(m, req.id, i, [{ id: manager.id, source: 'manager' }]);
      } else {
        await this.requests.recordSkipped(m, req.id, i, manager?.skip ?? 'no manager');
        skipped.add(i);
      }
    }
    const first = openStep(req.approval_steps, 0, () => 0, skipped);
    const row = first === 0 ? req : await this.approvers.setCurrentStep(m, req.id, first);
    return this.enterStep(m, actor, row, policy);
  }

  /** Skips and replaces approvers who left on the request's current step, then asks whoever can act. */
  private async enterStep(
    m: EntityManager,
    actor: Actor,
    req: RequestRow,
    policy: PolicyRow,
  ): Promise<{ row: RequestRow; notificationIds: string[] }> {
    const { row } = await this.replaceLeft(m, actor, req, policy);
    const ask = await this.eligibleIds(m, row, policy);
    return { row, notificationIds: await this.notices.requestToApprove(m, row, ask) };
  }

  /**
   * After a person's approval on the current step: the step the request now waits on, and whether
   * every step is done (the caller then grants it).
   */
  async afterApproval(
    m: EntityManager,
    actor: Actor,
    req: RequestRow,
    policy: PolicyRow,
  ): Promise<{ row: RequestRow; done: boolean; notificationIds: string[] }> {
    const rec = await this.requests.getStepRecords(m, req.id);
    const next = openStep(
      req.approval_steps,
      req.current_step,
      (s) => rec.approvals.get(s) ?? 0,
      rec.skipped,
    );
    if (next === req.current_step) return { row: req, done: false, notificationIds: [] };
    const row = await this.approvers.setCurrentStep(m, req.id, Math.min(next, req.approval_steps.length - 1));
    if (next >= req.approval_steps.length) return { row, done: true, notificationIds: [] };
    return { ...(await this.enterStep(m, actor, row, policy)), done: false };
  }

  /**
   * Checks that the actor may decide the request's current step: an approver of some step of it
   * (else 403), of this one (else 409 `not_this_step`), who has not decided it yet (one approval counts
   * for one step only). Separation of duties and the pending state are the caller's checks.
   */
  async assertMayDecide(
    m: EntityManager,
    actor: Actor,
    req: RequestRow,
    policy: PolicyRow | null,
    deciders: Set<string>,
  ): Promise<void> {
    const rows = await this.approvers.getOf([req.id], m);
    const groupApprovers = policy ? approversOf(policy) : [];
    const stepsOf = req.approval_steps
      .map((_, i) => i)
      .filter((i) => stepApprovers(req.approval_steps, i, groupApprovers, rows).includes(actor.id));
    if (stepsOf.length === 0) throw forbidden('Only approvers of this group may decide this request');
    if (deciders.has(actor.id)) throw new AppError('invalid_state', 'You have already decided this request');
    if (!stepsOf.includes(req.current_step)) {
      throw new AppError(
        'not_this_step',
        // Steps counted from 1, as the web app and Slack show them.
        `The request waits on step ${req.current_step + 1} (${req.approval_steps[req.current_step]?.kind === 'manager' ? "the requester's manager" : "the group's approvers"}); you approve step ${stepsOf.map((i) => i + 1).join(', ')}`,
      );
    }
  }

  /**
   * Approvers of the current step whose principal is disabled or whose accounts are all suspended or
   * removed are skipped; when fewer than the step still needs can act, the group's owners and then
   * the admins are added (recorded in `approverChanges` and audited; the caller asks them).
   */
  private async replaceLeft(
    m: EntityManager,
    actor: Actor,
    req: RequestRow,
    policy: PolicyRow,
  ): Promise<{ row: RequestRow; addedIds: string[] }> {
    const step = req.current_step;
    if (step >= req.approval_steps.length) return { row: req, addedIds: [] };
    const rows = await this.approvers.getOf([req.id], m);
    const current = stepApprovers(req.approval_steps, step, approversOf(policy), rows);
    const admins = (await this.auth.principalRowsWithRole('admin'))
      .filter((a) => !a.disabled && !a.is_bootstrap)
      .map((a) => a.id);
    const people = await this.auth.principalRowsByIds([...current, ...policy.owner_ids, ...admins]);
    const leftReason = new Map<string, LeftReason>();
    for (const p of people) {
      if (p.disabled) leftReason.set(p.id, 'disabled');
      else if ((await this.directory.accountStatusForEmail(p.email)) === 'inactive') {
        leftReason.set(p.id, 'accounts_inactive');
      }
    }
    const left = current.flatMap((id) => {
      const reason = leftReason.get(id);
      return reason ? [{ id, reason }] : [];
    });
    if (left.length === 0) return { row: req, addedIds: [] };
    await this.approvers.markRemoved(m, req.id, step, left);
    const rec = await this.requests.getStepRecords(m, req.id);
    const [account] = await this.directory.accountsByIds([req.account_id]);
    const emails = new Map(people.map((p) => [p.id, p.email]));
    const able = (id: string) =>
      !leftReason.has(id) &&
      id !== req.requester_id &&
      !rec.deciders.has(id) &&
      !isSamePerson(emails.get(id) ?? '', account?.email);
    const need = stepRequired(req.approval_steps[step]) - (rec.approvals.get(step) ?? 0);
    const chosen = replacements(
      need,
      current.filter(able).length,
      policy.owner_ids.filter(able),
      admins.filter(able),
      new Set([...current, ...rows.filter((r) => r.step === step).map((r) => r.principal_id)]),
    );
    await this.approvers.insert(m, req.id, step, chosen);
    const at = new Date().toISOString();
    const addedIds = chosen.map((c) => c.id);
    const changes: ApproverChange[] = left.map((l) => ({ removedId: l.id, reason: l.reason, addedIds, at }));
    const row = await this.approvers.appendChanges(m, req.id, changes);
    await this.audit.record(m, actor, {
      action: 'access.request.approvers_changed',
      targetType: 'access_request',
      targetId: req.id,
      data: { step, changes },
    });
    return { row, addedIds };
  }

  /** Who can act on the request's current step now (ids), inside its transaction. */
  private async eligibleIds(m: EntityManager, req: RequestRow, policy: PolicyRow): Promise<string[]> {
    const rows = await this.approvers.getOf([req.id], m);
    const rec = await this.requests.getStepRecords(m, req.id);
    const ids = stepApprovers(req.approval_steps, req.current_step, approversOf(policy), rows);
    const [account] = await this.directory.accountsByIds([req.account_id]);
    const people = await this.auth.principalRowsByIds(ids);
    return people
      .filter(
        (p) =>
          !p.disabled &&
          p.id !== req.requester_id &&
          !rec.deciders.has(p.id) &&
          !isSamePerson(p.email, account?.email),
      )
      .map((p) => p.id);
  }

  /** `eligibleApprovers` of each pending request: who can act on its current step, with display names. */
  async eligibleApprovers(
    reqs: RequestRow[],
    approvals: ApprovalRow[],
  ): Promise<Map<string, EligibleApprover[]>> {
    const out = new Map<string, EligibleApprover[]>();
    const pending = reqs.filter((r) => r.status === 'pending');
    if (pending.length === 0) return out;
    const rows = await this.approvers.getOf(pending.map((r) => r.id));
    const policies = new Map<string, PolicyRow | null>();
    for (const g of new Set(pending.map((r) => r.group_id))) policies.set(g, await this.policies.get(g));
    const ids = new Map<string, string[]>();
    for (const r of pending) {
      const policy = policies.get(r.group_id);
      ids.set(
        r.id,
        stepApprovers(
          r.approval_steps,
          r.current_step,
          policy ? approversOf(policy) : [],
          rows.filter((x) => x.request_id === r.id),
        ),
      );
    }
    const principals = new Map(
      (await this.auth.principalRowsByIds([...new Set([...ids.values()].flat())])).map((p) => [p.id, p]),
    );
    const accounts = new Map(
      (await this.directory.accountsByIds([...new Set(pending.map((r) => r.account_id))])).map((a) => [
        a.id,
        a,
      ]),
    );
    for (const r of pending) {
      const decided = new Set(
        approvals.filter((a) => a.request_id === r.id).flatMap((a) => a.approver_id ?? []),
      );
      const email = accounts.get(r.account_id)?.email;
      out.set(
        r.id,
        (ids.get(r.id) ?? []).flatMap((id) => {
          const p = principals.get(id);
          if (!p || id === r.requester_id || decided.has(id) || isSamePerson(p.email, email)) return [];
          return [{ id, displayName: p.display_name }];
        }),
      );
    }
    return out;
  }

  /**
   * After a sync: pending requests of the connection whose current step's approvers left get the
   * owners or admins instead (a sync disables principals whose accounts are all suspended or removed).
   */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    for (const id of await this.approvers.getPendingIdsInConnection(e.connectionId)) {
      try {
        const ids = await this.dataSource.transaction(async (m) => {
          const req = await this.requests.lock(m, id);
          const policy = req?.status === 'pending' ? await this.policies.get(req.group_id, m) : null;
          if (!req || !policy) return [];
          const { row, addedIds } = await this.replaceLeft(m, SYNC_ACTOR, req, policy);
          return this.notices.requestToApprove(m, row, addedIds);
        });
        await this.notices.dispatch(ids);
      } catch (err) {
        this.logger.warn({ err, requestId: id }, 'approvers of a pending request not checked after the sync');
      }
    }
  }
}

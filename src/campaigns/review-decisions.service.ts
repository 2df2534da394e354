import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { assertNotBootstrap } from '../auth/separation-of-duties';
import { type Actor } from '../platform/actor';
import { AppError, notFound } from '../platform/http/app-error';
import { decodeCursor, type JsonText, type Page, toJsonPage } from '../platform/http/pagination';
import { type BulkDecisionResult, type Decision, type ReviewItemResponse } from './dto/campaign.dto';
import { type ItemResponseRow, type ItemRow, toReviewItemResponse } from './dto/campaign.mapper';
import { AccessService } from '../access/access.service';
import {
  checkConvertible,
  checkDecision,
  checkReviewItemAction,
  notPendingError,
  reassignTargetError,
} from './review-decision.policy';
import { AdminReviewItemsRepository, BILLING_ADMIN_ROLE } from './admin-review-items.repository';
import { type DecisionWrite, ReviewItemsRepository } from './review-items.repository';
import { StandingCampaignsService } from './standing-campaigns.service';

const EMPTY_JSON_PAGE: JsonText<Page<ReviewItemResponse>> = '{"items":[],"nextCursor":null}';

/**
 * What a reviewer does: reads their queue, decides (one item or up to 1,000), hands an item on. Who
 * may do it is review-decision.policy.ts, asked once per item.
 */
@Injectable()
export class ReviewDecisionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly items: ReviewItemsRepository,
    private readonly adminItems: AdminReviewItemsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly standing: StandingCampaignsService,
    private readonly access: AccessService,
  ) {}

  /**
   * The caller's assigned items across launched campaigns, as JSON text: the reviewer's hot route, so
   * Postgres writes each item's JSON (REVIEW_ITEM_JSON) and the server only joins them into a page.
   */
  async myReviews(
    actor: Actor,
    status: 'pending' | 'decided' | undefined,
    limit: number,
    cursor?: string,
  ): Promise<JsonText<Page<ReviewItemResponse>>> {
    if (actor.type !== 'principal') return EMPTY_JSON_PAGE;
    const after = decodeCursor(cursor);
    const rows = await this.items.openItemsForReviewerAsJson(actor.id, status ?? null, limit, after);
    return toJsonPage(
      rows,
      limit,
      (r) => ({ k: r[2], id: r[1] }),
      (r) => r[0],
    );
  }

  /**
   * One decision. `pendingOnly` (a Slack digest's buttons) refuses an item no longer pending, so an
   * old message never overwrites a decision made since.
   */
  async decide(
    actor: Actor,
    itemId: string,
    decision: Decision,
    justification?: string,
    opts: { pendingOnly?: boolean } = {},
  ): Promise<ReviewItemResponse> {
    assertNotBootstrap(actor, 'decide review items');
    const { rows, operationIds } = await this.dataSource.transaction(async (m) => {
      const item = (await this.items.lockWithCampaign(m, [itemId])).get(itemId);
      if (!item) throw notFound('Review item');
      const check = checkDecision(actor, item, decision, justification);
      if (!check.ok) throw check.error;
      const stale = opts.pendingOnly ? notPendingError(item) : null;
      if (stale) throw stale;
      const requestable = await this.requestableFor([{ decision, groupId: item.group_id }]);
      const unconvertible = checkConvertible(decision, item.group_id, requestable);
      if (unconvertible && !unconvertible.ok) throw unconvertible.error;
      const last = await this.lastAdministratorError(m, item, decision, []);
      if (last) throw last;
      return this.applyDecisions(m, actor, [
        { item, decision, justification: justification?.trim() || null, override: check.override },
      ]);
    });
    await this.standing.dispatch(operationIds);
    return toReviewItemResponse(rows[0]);
  }

  /**
   * Whether the actor may decide this pending item now (the checks of `decide` with `pendingOnly`,
   * without deciding): a Slack Revoke asks for a justification only when the answer could be used.
   */
  async assertMayDecidePending(actor: Actor, itemId: string): Promise<void> {
    assertNotBootstrap(actor, 'decide review items');
    await this.dataSource.transaction(async (m) => {
      const item = (await this.items.lockWithCampaign(m, [itemId])).get(itemId);
      if (!item) throw notFound('Review item');
      const check = checkReviewItemAction(actor, item, 'decide');
      if (!check.ok) throw check.error;
      const stale = notPendingError(item);
      if (stale) throw stale;
    });
  }

  /** Up to 1,000 decisions, each checked as a single one; those that pass commit together. */
  async decideMany(
    actor: Actor,
    decisions: { itemId: string; decision: Decision; justification?: string }[],
  ): Promise<BulkDecisionResult> {
    assertNotBootstrap(actor, 'decide review items');
    const { result, operationIds } = await this.dataSource.transaction(async (m) => {
      const items = await this.items.lockWithCampaign(m, [...new Set(decisions.map((d) => d.itemId))]);
      const rejected: BulkDecisionResult['rejected'] = [];
      const seen = new Set<string>();
      const apply: DecisionWrite[] = [];
      const requestable = await this.requestableFor(
        decisions.flatMap((d) => {
          const item = items.get(d.itemId);
          return item ? [{ decision: d.decision, groupId: item.group_id }] : [];
        }),
      );
      for (const d of decisions) {
        const item = items.get(d.itemId);
        if (!item) {
          rejected.push({ itemId: d.itemId, reason: 'not_found' });
          continue;
        }
        if (seen.has(d.itemId)) {
          rejected.push({ itemId: d.itemId, reason: 'duplicate' });
          continue;
        }
        seen.add(d.itemId);
        const check = checkDecision(actor, item, d.decision, d.justification);
        if (!check.ok) {
          rejected.push({ itemId: d.itemId, reason: check.reason });
          continue;
        }
        const unconvertible = checkConvertible(d.decision, item.group_id, requestable);
        if (unconvertible && !unconvertible.ok) {
          rejected.push({ itemId: d.itemId, reason: unconvertible.reason });
          continue;
        }
        // The batch's own earlier revokes count as gone.
        const revokedHere = apply.filter((a) => a.decision === 'revoke').map((a) => a.item.id);
        if (await this.lastAdministratorError(m, item, d.decision, revokedHere)) {
          rejected.push({ itemId: d.itemId, reason: 'last_administrator' });
          continue;
        }
        apply.push({
          item,
          decision: d.decision,
          justification: d.justification?.trim() || null,
          override: check.override,
        });
      }
      const { rows, operationIds } = await this.applyDecisions(m, actor, apply);
      return { result: { applied: rows.length, rejected }, operationIds };
    });
    await this.standing.dispatch(operationIds);
    return result;
  }

  /** The assigned reviewer or an admin hands the item to another principal (never the member). */
  async reassign(
    actor: Actor,
    itemId: string,
    reviewerId: string,
    reason: string,
  ): Promise<ReviewItemResponse> {
    assertNotBootstrap(actor, 'reassign review items');
    const reviewer = await this.auth.getPrincipalRow(reviewerId);
    const row = await this.dataSource.transaction(async (m) => {
      const item = (await this.items.lockWithCampaign(m, [itemId])).get(itemId);
      if (!item) throw notFound('Review item');
      const check = checkReviewItemAction(actor, item, 'reassign');
      if (!check.ok) throw check.error;
      const refused = reassignTargetError(reviewer, item);
      if (refused) throw refused;
      const updated = await this.items.setReviewer(m, itemId, reviewerId);
      await this.audit.record(m, actor, {
        action: 'campaign.item.reassigned',
        targetType: 'review_item',
        targetId: itemId,
        data: {
          campaignId: item.campaign_id,
          from: item.reviewer_id,
          to: reviewerId,
          reason,
          override: check.override,
        },
      });
      return updated;
    });
    return toReviewItemResponse(row);
  }

  /** The requestable groups among those of convert_to_jit decisions (one query, none when there are none). */
  private async requestableFor(ds: { decision: Decision; groupId: string | null }[]): Promise<Set<string>> {
    const groups = [
      ...new Set(
        ds.flatMap((d) => (d.decision === 'convert_to_jit' && d.groupId !== null ? [d.groupId] : [])),
      ),
    ];
    return groups.length === 0 ? new Set() : this.access.requestableAmong(groups);
  }

  /**
   * API.md: a revoke that would leave no `Administrator With Billing` kept or pending in the campaign
   * is refused (409 `last_administrator`), at decision time, for an item of the administrators scope.
   */
  private async lastAdministratorError(
    m: EntityManager,
    item: ItemRow,
    decision: Decision,
    alsoRevoked: string[],
  ): Promise<AppError | null> {
    if (decision !== 'revoke' || item.group_id !== null) return null;
    if (!(item.admin_roles ?? []).includes(BILLING_ADMIN_ROLE)) return null;
    const left = await this.adminItems.billingAdminsKeptOrPending(m, item.campaign_id, [
      item.id,
      ...alsoRevoked,
    ]);
    if (left > 0) return null;
    return new AppError(
      'last_administrator',
      `Revoking ${item.account_email ?? 'this administrator'} would leave no "${BILLING_ADMIN_ROLE}" kept or pending in this campaign`,
    );
  }

  private async applyDecisions(
    m: EntityManager,
    actor: Actor,
    decisions: DecisionWrite[],
  ): Promise<{ rows: ItemResponseRow[]; operationIds: string[] }> {
    if (decisions.length === 0) return { rows: [], operationIds: [] };
    const updated = await this.items.applyDecisions(
      m,
      actor.type === 'principal' ? actor.id : null,
      decisions,
    );
    // One event per decision, appended set-wise.
    await this.audit.recordMany(
      m,
      actor,
      decisions.map((d) => ({
        action: 'campaign.item.decided',
        targetType: 'review_item',
        targetId: d.item.id,
        data: {
          campaignId: d.item.campaign_id,
          accountId: d.item.account_id,
          groupId: d.item.group_id,
          decision: d.decision,
          justification: d.justification,
          override: d.override,
          previous: d.item.decision,
        },
      })),
    );
    // A standing campaign's revokes go out and its keeps certify now: it has no close
    // (StandingCampaignsService).
    const standingWith = (decision: Decision) => {
      const ids = new Set(
        decisions
          .filter((d) => d.item.campaign_kind === 'standing' && d.decision === decision)
          .map((d) => d.item.id),
      );
      return updated.filter((r) => ids.has(r.id));
    };
    await this.standing.certifyAtOnce(m, standingWith('keep'));
    const standingRevokes = standingWith('revoke');
    const operationIds = await this.standing.remediateAtOnce(m, standingRevokes);
    standingRevokes.forEach((r, i) => {
      r.remediation = 'pending';
      r.operation_id = operationIds[i];
    });
    return { rows: updated, operationIds };
  }
}

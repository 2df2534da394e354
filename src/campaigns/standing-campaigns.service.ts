import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { systemActor } from '../platform/actor';
import { StandingReviews, type StandingReviewRequest } from '../platform/standing-reviews';
import { type OperationIntent, ProvisioningService } from '../provisioning/provisioning.service';
import { CampaignsRepository } from './campaigns.repository';
import { CertificationsService } from './certifications.service';
import { type ItemRow } from './dto/campaign.mapper';
import { ReviewItemsRepository } from './review-items.repository';
import { type StandingItemInput, StandingItemsRepository } from './standing-items.repository';
import { chooseStandingReviewer } from './standing-reviewer.policy';

const STANDING_ACTOR = systemActor('standing-reviews');

/**
 * Standing campaigns (API.md "Campaigns that run themselves"): one per connection and purpose,
 * created on first use, fed one event at a time through the StandingReviews port (platform), which
 * access (break-glass) and directory (drift) call inside their own transaction. A revoke there is
 * remediated when it is decided, not at a close that never comes.
 */
@Injectable()
export class StandingCampaignsService implements OnModuleInit {
  constructor(
    private readonly port: StandingReviews,
    private readonly standing: StandingItemsRepository,
    private readonly items: ReviewItemsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly provisioning: ProvisioningService,
    private readonly campaigns: CampaignsRepository,
    private readonly certifications: CertificationsService,
  ) {}

  onModuleInit(): void {
    this.port.register((m, requests) => this.createItems(m, requests));
  }

  /** The handler behind StandingReviews.request: one item per request, in the caller's transaction. */
  async createItems(m: EntityManager, requests: StandingReviewRequest[]): Promise<(string | null)[]> {
    const emails = await this.standing.accountEmails(m, [...new Set(requests.map((r) => r.accountId))]);
    const owners = await this.standing.ownersOf(m, [...new Set(requests.map((r) => r.groupId))]);
    // Principals are auth's: the owners named and the admins (a handful each), read once per batch.
    const ownerRows = new Map(
      (await this.auth.principalRowsByIds([...new Set([...owners.values()].flat())])).map((p) => [p.id, p]),
    );
    const admins = await this.auth.principalRowsWithRole('admin');
    const ids = new Map<string, string>();
    for (const [scope, batch] of groupBy(requests, (r) => `${r.connectionId}.${r.purpose}`)) {
      const { connectionId, purpose } = batch[0];
      const campaign = await this.standing.ensureCampaign(m, connectionId, purpose);
      if (campaign.created) {
        await this.audit.record(m, STANDING_ACTOR, {
          action: 'campaign.created',
          targetType: 'campaign',
          targetId: campaign.id,
          data: { kind: 'standing', purpose, connectionId },
        });
      }
      const inputs: StandingItemInput[] = batch.map((r) => ({
        key: r.key,
        accountId: r.accountId,
        groupId: r.groupId,
        grantId: r.grantId ?? null,
        reason: r.reason,
        reviewerId: chooseStandingReviewer(
          emails.get(r.accountId) ?? null,
          (owners.get(r.groupId) ?? []).flatMap((id) => ownerRows.get(id) ?? []),
          admins,
        ),
      }));
      const { ids: byKey, created } = await this.standing.insertItems(m, campaign.id, connectionId, inputs);
      await this.audit.recordMany(
        m,
        STANDING_ACTOR,
        inputs
          .filter((i) => created.has(i.key))
          .map((i) => ({
            action: 'campaign.item.created',
            targetType: 'review_item',
            targetId: byKey.get(i.key) as string,
            data: {
              campaignId: campaign.id,
              purpose,
              key: i.key,
              accountId: i.accountId,
              groupId: i.groupId,
              grantId: i.grantId,
              reviewerId: i.reviewerId,
              reason: i.reason,
            },
          })),
      );
      for (const [key, id] of byKey) ids.set(`${scope}.${key}`, id);
    }
    return requests.map((r) => ids.get(`${r.connectionId}.${r.purpose}.${r.key}`) ?? null);
  }

  /**
   * A standing campaign's revokes become removals in the deciding transaction (ARCHITECTURE.md rule
   * 2), since no close will come; their outcome and verification follow the regular path
   * (RemediationService). Returns the operation ids to dispatch after the commit.
   */
  async remediateAtOnce(m: EntityManager, decided: ItemRow[]): Promise<string[]> {
    // Standing items are memberships; an administrator account (no group) is never changed by jumpgate.
    const revoked = decided.filter((i): i is ItemRow & { group_id: string } => i.group_id !== null);
    if (revoked.length === 0) return [];
    const intents: OperationIntent[] = revoked.map((i) => ({
      connectionId: i.connection_id,
      action: 'remove_member',
      accountId: i.account_id,
      groupId: i.group_id,
      reason: `standing review: revoked`,
      sourceType: 'review_item',
      sourceId: i.id,
    }));
    const operationIds = await this.provisioning.enqueue(m, intents);
    await this.items.setRemediationPending(
      m,
      revoked.map((i) => i.id),
      operationIds,
    );
    return operationIds;
  }

  /**
   * A standing campaign's keeps certify when decided, since no close will come: until its
   * certificationValidDays (365 unless changed) from now. Sets `certified_until` on the rows given.
   */
  async certifyAtOnce(m: EntityManager, kept: ItemRow[]): Promise<void> {
    for (const [campaignId, batch] of groupBy(kept, (i) => i.campaign_id)) {
      const c = await this.campaigns.getById(campaignId, m);
      const ids = batch.map((i) => i.id);
      const until = await this.certifications.certifyStandingKeeps(m, ids, c.certification_valid_days);
      for (const i of batch) i.certified_until = until;
    }
  }

  /** After the deciding transaction commits. */
  async dispatch(operationIds: string[]): Promise<void> {
    if (operationIds.length > 0) await this.provisioning.dispatch(operationIds);
  }
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

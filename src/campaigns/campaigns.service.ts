import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { ConnectionsService } from '../connections/connections.service';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { JobQueue } from '../platform/queue/job-queue';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { CampaignsRepository } from './campaigns.repository';
import { LaunchGateService } from './launch-gate.service';
import { CAMPAIGNS_DUE_TICK } from './campaigns.schedule';
import {
  type CampaignResponse,
  type CampaignStatus,
  type CreateCampaignDto,
  type ReviewItemResponse,
} from './dto/campaign.dto';
import {
  type CampaignRow,
  EMPTY_PROGRESS,
  toCampaignResponse,
  toReviewItemResponse,
} from './dto/campaign.mapper';
import { type ItemFilter, ReviewItemsRepository } from './review-items.repository';

/** A create body as checkBody leaves it. */
export interface CheckedCampaignBody {
  groupIds: string[];
  applicationIds: string[];
  reviewerIds: string[];
  fallbackIds: string[];
  dueAt: Date;
}

const OPEN_STATUSES: CampaignStatus[] = ['launching', 'active', 'closing'];

/**
 * User access review campaigns (API.md "Access review campaigns"): create, list and read them, and
 * their state changes. The `campaigns` jobs do the work of a launch (CampaignLaunchService) and a close
 * (CampaignCloseService); reviewers act through ReviewDecisionsService.
 */
@Injectable()
export class CampaignsService implements OnModuleInit {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly items: ReviewItemsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly connections: ConnectionsService,
    private readonly tick: ClusterTickService,
    private readonly jobs: JobQueue,
    private readonly gate: LaunchGateService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: CAMPAIGNS_DUE_TICK.name,
      periodMs: () => CAMPAIGNS_DUE_TICK.periodMs,
      run: () => this.enqueueDueWork(),
    });
    this.connections.registerUsageCheck(async (connectionId) => {
      const n = await this.campaigns.countOpenForConnection(connectionId, OPEN_STATUSES);
      return n > 0 ? `The connection has ${n} active campaign(s); close or cancel them first` : null;
    });
  }

  // ---------------------------------------------------------------- create, list, get

  async create(actor: Actor, dto: CreateCampaignDto): Promise<CampaignResponse> {
    const checked = await this.checkBody(dto);
    const row = await this.dataSource.transaction((m) => this.insertChecked(m, actor, dto, checked));
    return toCampaignResponse(row, EMPTY_PROGRESS);
  }

  /** A draft from a checked body and its audit event, in `m`'s transaction (create; a template's period). */
  async insertChecked(
    m: EntityManager,
    actor: Actor,
    dto: CreateCampaignDto,
    { groupIds, applicationIds, reviewerIds, fallbackIds, dueAt }: CheckedCampaignBody,
    auditData: Record<string, unknown> = {},
  ): Promise<CampaignRow> {
    const c = await this.campaigns.insert(m, {
      dto,
      groupIds,
      applicationIds,
      reviewerIds,
      fallbackIds,
      dueAt,
      createdBy: actor.type === 'principal' ? actor.id : null,
    });
    await this.audit.record(m, actor, {
      action: 'campaign.created',
      targetType: 'campaign',
      targetId: c.id,
      data: {
        name: c.name,
        connectionId: c.connection_id,
        reviewerStrategy: c.reviewer_strategy,
        ...auditData,
      },
    });
    return c;
  }

  /**
   * A create body checked against the directory and the principals (400 when it names what does not
   * exist), its lists without repeats: what create stores and preview plans from.
   */
  async checkBody(dto: CreateCampaignDto): Promise<CheckedCampaignBody> {
    const connection = await this.connections.getRow(dto.connectionId);
    if (!connection) throw new AppError('validation_failed', 'connectionId: no such connection');
    const dueAt = new Date(dto.dueAt);
    if (!(dueAt.getTime() > Date.now()))
      throw new AppError('validation_failed', 'dueAt must be in the future');
    const groupIds = [...new Set(dto.scope.groupIds ?? [])];
    const applicationIds = [...new Set(dto.scope.applicationIds ?? [])];
    const reviewerIds = [...new Set(dto.reviewerIds ?? [])];
    const fallbackIds = [...new Set(dto.fallbackReviewerIds)];
    if (dto.reviewerStrategy === 'named' && reviewerIds.length === 0) {
      throw new AppError('validation_failed', 'reviewerIds: at least one reviewer for the named strategy');
    }
    if (dto.reviewerStrategy !== 'named' && reviewerIds.length > 0) {
      throw new AppError('validation_failed', 'reviewerIds: only for the named strategy');
    }
    const wanted = [...new Set([...reviewerIds, ...fallbackIds])];
    const principals = await this.auth.principalRowsByIds(wanted);
    const existing = new Set(principals.map((p) => p.id));
    const missing = wanted.filter((id) => !existing.has(id));
    if (missing.length > 0)
      throw new AppError('validation_failed', `No such principal: ${missing.join(', ')}`);
    // API.md: the bootstrap admin never decides a review item, so it is nobody's reviewer either.
    const bootstrap = principals.find((p) => p.is_bootstrap);
    if (bootstrap) {
      throw new AppError(
        'bootstrap_cannot_act',
        `${reviewerIds.includes(bootstrap.id) ? 'reviewerIds' : 'fallbackReviewerIds'}: the bootstrap admin never reviews`,
      );
    }
    const groups = await this.directory.groupsByIds(groupIds);
    const okGroups = new Set(
      groups.filter((g) => g.connectionId === dto.connectionId && !g.removedAt).map((g) => g.id),
    );
    const badGroups = groupIds.filter((id) => !okGroups.has(id));
    if (badGroups.length > 0) {
      throw new AppError(
        'validation_failed',
        `scope.groupIds: not groups of this connection: ${badGroups.join(', ')}`,
      );
    }
    if (applicationIds.length > 0) {
      const known = await this.directory.applicationIdsIn(dto.connectionId, applicationIds);
      const badApps = applicationIds.filter((id) => !known.has(id));
      if (badApps.length > 0) {
        throw new AppError(
          'validation_failed',
          `scope.applicationIds: not applications of this connection: ${badApps.join(', ')}`,
        );
      }
    }
    return { groupIds, applicationIds, reviewerIds, fallbackIds, dueAt };
  }

  async list(_actor: Actor, limit: number, cursor?: string): Promise<Page<CampaignResponse>> {
    const ks = Keyset.from(cursor, limit);
    const page = ks.page(await this.campaigns.list(ks), (r) => r);
    const progress = await this.campaigns.progressOf(page.items.map((c) => c.id));
    return {
      items: page.items.map((c) => toCampaignResponse(c, progress.get(c.id) ?? EMPTY_PROGRESS)),
      nextCursor: page.nextCursor,
    };
  }

  async get(_actor: Actor, id: string): Promise<CampaignResponse> {
    const c = await this.campaigns.getById(id);
    const progress = await this.campaigns.progressOf([id]);
    return toCampaignResponse(c, progress.get(id) ?? EMPTY_PROGRESS);
  }

  async listItems(
    _actor: Actor,
    campaignId: string,
    f: ItemFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<ReviewItemResponse>> {
    await this.campaigns.getById(campaignId);
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.items.listForCampaign(campaignId, f, ks), toReviewItemResponse);
  }

  // ---------------------------------------------------------------- state changes

  /**
   * draft → launching, through the freshness gate (409 stale_directory unless `force`); the
   * `campaigns` job snapshots the memberships and makes it active.
   */
  async launch(actor: Actor, id: string, opts: { force?: boolean } = {}): Promise<CampaignResponse> {
    // Launch and close are audited once, by their job, with counts (and a forced launch by the gate).
    const row = await this.transition(actor, id, ['draft'], 'launching', null, (m, c) =>
      this.gate.admit(m, actor, c, opts.force === true),
    );
    await this.enqueue('launch', id, actor);
    return toCampaignResponse(row, EMPTY_PROGRESS);
  }

  /** active → closing; the `campaigns` job applies default decisions and remediation, then closed. */
  async close(actor: Actor, id: string): Promise<CampaignResponse> {
    const row = await this.transition(actor, id, ['active'], 'closing', null);
    await this.enqueue('close', id, actor);
    return this.get(actor, row.id);
  }

  async cancel(actor: Actor, id: string): Promise<CampaignResponse> {
    const row = await this.transition(
      actor,
      id,
      ['draft', 'launching', 'active'],
      'cancelled',
      'campaign.cancelled',
    );
    return this.get(actor, row.id);
  }

  private async transition(
    actor: Actor,
    id: string,
    from: CampaignStatus[],
    to: CampaignStatus,
    action: string | null,
    admit?: (m: EntityManager, c: CampaignRow) => Promise<void>,
  ): Promise<CampaignRow> {
    return this.dataSource.transaction(async (m) => {
      const c = await this.campaigns.getById(id, m, true);
      // API.md: a standing campaign is never due and never closed; its items are decided one by one.
      if (c.kind === 'standing') {
        throw new AppError('invalid_state', 'A standing campaign is never launched, closed or cancelled');
      }
      if (!from.includes(c.status)) {
        throw new AppError('invalid_state', `The campaign is ${c.status}; it must be ${from.join(' or ')}`);
      }
      await admit?.(m, c);
      const updated = await this.campaigns.setStatus(m, id, to, actor.type === 'principal' ? actor.id : null);
      if (action) {
        await this.audit.record(m, actor, {
          action,
          targetType: 'campaign',
          targetId: id,
          data: { from: c.status },
        });
      }
      return updated;
    });
  }

  /** A launch or close job; when Redis refuses it, the due tick (enqueueDueWork) enqueues it again. */
  private async enqueue(name: 'launch' | 'close', campaignId: string, actor: Actor | null): Promise<void> {
    await this.jobs.enqueue({
      name,
      data: { campaignId, requestedBy: actor?.type === 'principal' ? actor.id : null },
    });
  }

  /** Cluster tick: active campaigns past dueAt start closing; launches and closes Redis lost run again. */
  async enqueueDueWork(): Promise<void> {
    const due = await this.dataSource.transaction((m) => this.campaigns.startClosingDue(m));
    const open = await this.campaigns.listLaunchingOrClosing();
    for (const c of open) await this.enqueue(c.status === 'launching' ? 'launch' : 'close', c.id, null);
    if (due.length > 0) this.logger.log({ count: due.length }, 'campaigns past their due date are closing');
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Queue } from 'bullmq';
import { type Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { assertNotBootstrap, isSamePerson, separationOfDutiesViolation } from '../auth/separation-of-duties';
import { ConnectionsService } from '../connections/connections.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { DirectorySyncService } from '../directory/directory-sync.service';
import { type Actor, isAdmin, systemActor } from '../platform/actor';
import { affected, returned } from '../platform/database/sql';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import {
  cursorKey,
  decodeCursor,
  type JsonText,
  type Page,
  toJsonPage,
  toPage,
} from '../platform/http/pagination';
import { QUEUES } from '../platform/queue/queues';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { type OperationIntent, ProvisioningService } from '../provisioning/provisioning.service';
import {
  PROVISIONING_OPERATION_SETTLED,
  type ProvisioningOperationSettledEvent,
} from '../provisioning/provisioning.events';
import {
  type BulkDecisionResult,
  type CampaignProgress,
  type CampaignResponse,
  type CampaignStatus,
  type CreateCampaignDto,
  type Decision,
  type DefaultDecision,
  type ItemStatus,
  type Remediation,
  type ReviewerStrategy,
  type ReviewItemResponse,
} from './dto/campaign.dto';

/** The two jobs of the `campaigns` queue; payloads carry ids only. */
export type CampaignJob =
  | { name: 'launch'; data: { campaignId: string; requestedBy: string | null } }
  | { name: 'close'; data: { campaignId: string; requestedBy: string | null } };
export type CampaignJobData = CampaignJob['data'];

export const campaignJobId = (name: CampaignJob['name'], campaignId: string): string =>
  `campaign-${name}.${campaignId}`;

// Campaigns found past dueAt, and launches/closes Redis lost, are (re-)enqueued at this period.
const DUE_PERIOD_MS = 5_000;
// A removal that settled this long ago without its item hearing of it lost its settled event (the
// process stopped between the commit and the publication): the reconcile tick applies it.
const REMEDIATION_RECONCILE_AFTER_MS = 30_000;
const REMEDIATION_RECONCILE_PERIOD_MS = 30_000;
const RECONCILE_BATCH = 1_000;
// Revokes turned into provisioning operations per statement, well under 65,535 bind parameters.
const REMEDIATION_BATCH = 5_000;
// Items confirmed against the directory per statement after a sync.
const CONFIRM_BATCH = 5_000;
const RECENT_JOIN_DAYS = 30;
// A launch adding at least this many items refreshes review_items' planner statistics at once.
const ANALYZE_AFTER_ITEMS = 1_000;
const OPEN_STATUSES: CampaignStatus[] = ['launching', 'active', 'closing'];

const LAUNCH_ACTOR = systemActor('campaign-launch');
const CLOSE_ACTOR = systemActor('campaign-close');
const PROVISIONING_ACTOR = systemActor('provisioning');

interface CampaignRow {
  id: string;
  connection_id: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  scope_group_ids: string[];
  scope_application_ids: string[];
  reviewer_strategy: ReviewerStrategy;
  reviewer_ids: string[];
  fallback_reviewer_ids: string[];
  due_at: Date;
  default_decision: DefaultDecision;
  auto_remediate: boolean;
  created_by: string | null;
  created_at: Date;
  launched_at: Date | null;
  closed_at: Date | null;
  ck?: string;
}

interface ItemRow {
  id: string;
  campaign_id: string;
  connection_id: string;
  account_id: string;
  group_id: string;
  account_email: string | null;
  account_display_name: string | null;
  account_kind: string;
  account_state: string;
  department: string | null;
  job_title: string | null;
  manager_account_id: string | null;
  manager_display_name: string | null;
  is_administrator: boolean;
  group_name: string;
  membership_method: string;
  applications: { id: string; name: string }[];
  membership_since: Date;
  grant_id: string | null;
  reviewer_id: string | null;
  status: ItemStatus;
  decision: Decision | null;
  justification: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  override: boolean;
  remediation: Remediation;
  operation_id: string | null;
  removal_applied_at: Date | null;
  remediated_at: Date | null;
  recommendation: 'keep' | 'revoke' | 'review' | null;
  recommendation_reason: string | null;
  created_at: Date;
  ck?: string;
  campaign_status?: CampaignStatus;
}

/** Who reviews the items of one key (a manager account id or a group id). */
interface Assignment {
  key: string;
  principalId: string;
  email: string;
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

const EMPTY_PROGRESS: CampaignProgress = {
  total: 0,
  pending: 0,
  kept: 0,
  revoked: 0,
  expired: 0,
  remediated: 0,
  remediationFailed: 0,
  manual: 0,
};

export function toCampaignResponse(c: CampaignRow, progress: CampaignProgress): CampaignResponse {
  return {
    id: c.id,
    connectionId: c.connection_id,
    name: c.name,
    description: c.description,
    status: c.status,
    scope: { groupIds: c.scope_group_ids, applicationIds: c.scope_application_ids },
    reviewerStrategy: c.reviewer_strategy,
    reviewerIds: c.reviewer_ids,
    fallbackReviewerIds: c.fallback_reviewer_ids,
    dueAt: c.due_at.toISOString(),
    defaultDecision: c.default_decision,
    autoRemediate: c.auto_remediate,
    createdBy: c.created_by,
    createdAt: c.created_at.toISOString(),
    launchedAt: iso(c.launched_at),
    closedAt: iso(c.closed_at),
    progress,
  };
}

export function toReviewItemResponse(i: ItemRow): ReviewItemResponse {
  return {
    id: i.id,
    campaignId: i.campaign_id,
    account: {
      id: i.account_id,
      email: i.account_email,
      displayName: i.account_display_name,
      kind: i.account_kind,
      state: i.account_state,
      department: i.department,
      jobTitle: i.job_title,
      manager: i.manager_account_id
        ? { id: i.manager_account_id, displayName: i.manager_display_name }
        : null,
      isAdministrator: i.is_administrator,
    },
    group: {
      id: i.group_id,
      name: i.group_name,
      membershipMethod: i.membership_method,
      applications: i.applications,
    },
    membershipSince: i.membership_since.toISOString(),
    grantId: i.grant_id,
    reviewerId: i.reviewer_id,
    status: i.status,
    decision: i.decision,
    justification: i.justification,
    decidedBy: i.decided_by,
    decidedAt: iso(i.decided_at),
    override: i.override,
    remediation: i.remediation,
    remediatedAt: iso(i.remediated_at),
    recommendation:
      i.recommendation && i.recommendation_reason
        ? { value: i.recommendation, reason: i.recommendation_reason }
        : null,
    createdAt: i.created_at.toISOString(),
  };
}

// SQL for one JSON value of a review item column: strings escaped by Postgres, NULL as `null`.
const jsonOf = (col: string): string => `coalesce(to_json(i.${col})::text, 'null')`;
// A timestamptz as toISOString() writes it (to_char's MS truncates, as Date does).
const jsonTimeOf = (col: string): string =>
  `coalesce('"' || to_char(i.${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')`;

/**
 * toReviewItemResponse as one SQL expression giving the item's JSON text, the same fields in the same
 * order, for the hot /reviews route: Postgres writes it, so the server reads one column per row instead
 * of thirty and builds no strings of its own (a spec checks that both give equal items). Ids are UUIDs
 * and need no escaping.
 */
const REVIEW_ITEM_JSON = [
  `'{"id":"' || i.id || '","campaignId":"' || i.campaign_id || '"'`,
  `',"account":{"id":"' || i.account_id || '","email":' || ${jsonOf('account_email')}`,
  `',"displayName":' || ${jsonOf('account_display_name')} || ',"kind":' || ${jsonOf('account_kind')}`,
  `',"state":' || ${jsonOf('account_state')} || ',"department":' || ${jsonOf('department')}`,
  `',"jobTitle":' || ${jsonOf('job_title')} || ',"manager":' || CASE WHEN i.manager_account_id IS NULL
     THEN 'null' ELSE '{"id":"' || i.manager_account_id || '","displayName":' ||
     ${jsonOf('manager_display_name')} || '}' END`,
  `',"isAdministrator":' || i.is_administrator::text || '}'`,
  `',"group":{"id":"' || i.group_id || '","name":' || ${jsonOf('group_name')}`,
  `',"membershipMethod":' || ${jsonOf('membership_method')} || ',"applications":' || i.applications::text || '}'`,
  `',"membershipSince":' || ${jsonTimeOf('membership_since')} || ',"grantId":' || ${jsonOf('grant_id')}`,
  `',"reviewerId":' || ${jsonOf('reviewer_id')} || ',"status":' || ${jsonOf('status')}`,
  `',"decision":' || ${jsonOf('decision')} || ',"justification":' || ${jsonOf('justification')}`,
  `',"decidedBy":' || ${jsonOf('decided_by')} || ',"decidedAt":' || ${jsonTimeOf('decided_at')}`,
  `',"override":' || i.override::text || ',"remediation":' || ${jsonOf('remediation')}`,
  `',"remediatedAt":' || ${jsonTimeOf('remediated_at')} || ',"recommendation":' || CASE
     WHEN coalesce(i.recommendation, '') = '' OR coalesce(i.recommendation_reason, '') = '' THEN 'null'
     ELSE '{"value":' || to_json(i.recommendation)::text || ',"reason":' ||
     to_json(i.recommendation_reason)::text || '}' END`,
  `',"createdAt":' || ${jsonTimeOf('created_at')} || '}'`,
].join(' || ');

const EMPTY_JSON_PAGE: JsonText<Page<ReviewItemResponse>> = '{"items":[],"nextCursor":null}';

/** Why one decision may not be applied: a rejection reason of the bulk route, or an error of the single one. */
type DecisionCheck = { ok: true; override: boolean } | { ok: false; error: AppError; reason: string };

/**
 * User access review campaigns (API.md "Access review campaigns"): a set-wise snapshot of memberships
 * at launch, reviewer assignment with separation of duties, decisions, and remediation through the
 * provisioning outbox at close (ARCHITECTURE.md rules 2 and 4).
 */
@Injectable()
export class CampaignsService implements OnModuleInit {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly syncs: DirectorySyncService,
    private readonly access: AccessService,
    private readonly provisioning: ProvisioningService,
    private readonly connections: ConnectionsService,
    private readonly tick: ClusterTickService,
    @InjectQueue(QUEUES.campaigns) private readonly queue: Queue<CampaignJobData>,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: 'campaigns.due',
      periodMs: () => DUE_PERIOD_MS,
      run: () => this.enqueueDueWork(),
    });
    this.tick.register({
      name: 'campaigns.remediation-reconcile',
      periodMs: () => REMEDIATION_RECONCILE_PERIOD_MS,
      run: async () => void (await this.reconcileSettledRemediations()),
    });
    this.connections.registerUsageCheck(async (connectionId) => {
      const [{ n }] = await this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM campaigns WHERE connection_id = $1 AND status = ANY($2::text[])`,
        [connectionId, OPEN_STATUSES],
      );
      return n > 0 ? `The connection has ${n} active campaign(s); close or cancel them first` : null;
    });
  }

  // ---------------------------------------------------------------- campaigns

  async create(actor: Actor, dto: CreateCampaignDto): Promise<CampaignResponse> {
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
    const existing = new Set(await this.auth.existingPrincipalIds(wanted));
    const missing = wanted.filter((id) => !existing.has(id));
    if (missing.length > 0)
      throw new AppError('validation_failed', `No such principal: ${missing.join(', ')}`);
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
      const known = await this.knownApplicationIds(dto.connectionId, applicationIds);
      const badApps = applicationIds.filter((id) => !known.has(id));
      if (badApps.length > 0) {
        throw new AppError(
          'validation_failed',
          `scope.applicationIds: not applications of this connection: ${badApps.join(', ')}`,
        );
      }
    }
    const row = await this.dataSource.transaction(async (m) => {
      const [c] = await m.query<CampaignRow[]>(
        `INSERT INTO campaigns (connection_id, name, description, scope_group_ids, scope_application_ids,
           reviewer_strategy, reviewer_ids, fallback_reviewer_ids, due_at, default_decision, auto_remediate, created_by)
         VALUES ($1, $2, $3, $4::uuid[], $5::uuid[], $6, $7::uuid[], $8::uuid[], $9, $10, $11, $12) RETURNING *`,
        [
          dto.connectionId,
          dto.name,
          dto.description ?? null,
          groupIds,
          applicationIds,
          dto.reviewerStrategy,
          reviewerIds,
          fallbackIds,
          dueAt.toISOString(),
          dto.defaultDecision,
          dto.autoRemediate,
          actor.type === 'principal' ? actor.id : null,
        ],
      );
      await this.audit.record(m, actor, {
        action: 'campaign.created',
        targetType: 'campaign',
        targetId: c.id,
        data: { name: c.name, connectionId: c.connection_id, reviewerStrategy: c.reviewer_strategy },
      });
      return c;
    });
    return toCampaignResponse(row, EMPTY_PROGRESS);
  }

  private async knownApplicationIds(connectionId: string, ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    let cursor: string | undefined;
    // Applications are few per organisation; the directory lists them with their groups.
    for (;;) {
      const page = await this.directory.listApplications(LAUNCH_ACTOR, { connectionId }, 500, cursor);
      for (const a of page.items) if (ids.includes(a.id)) found.add(a.id);
      if (!page.nextCursor) return found;
      cursor = page.nextCursor;
    }
  }

  async list(_actor: Actor, limit: number, cursor?: string): Promise<Page<CampaignResponse>> {
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<CampaignRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM campaigns
       WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
       ORDER BY created_at, id LIMIT $3`,
      [after?.k ?? null, after?.id ?? null, limit + 1],
    );
    const page = toPage(
      rows,
      limit,
      (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.id }),
      (r) => r,
    );
    const progress = await this.progressOf(page.items.map((c) => c.id));
    return {
      items: page.items.map((c) => toCampaignResponse(c, progress.get(c.id) ?? EMPTY_PROGRESS)),
      nextCursor: page.nextCursor,
    };
  }

  async get(_actor: Actor, id: string): Promise<CampaignResponse> {
    const c = await this.campaignRow(id);
    const progress = await this.progressOf([id]);
    return toCampaignResponse(c, progress.get(id) ?? EMPTY_PROGRESS);
  }

  private async campaignRow(id: string, m?: EntityManager, lock = false): Promise<CampaignRow> {
    const [c] = await (m ?? this.dataSource).query<CampaignRow[]>(
      `SELECT * FROM campaigns WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    if (!c) throw notFound('Campaign');
    return c;
  }

  private async progressOf(ids: string[], m?: EntityManager): Promise<Map<string, CampaignProgress>> {
    if (ids.length === 0) return new Map();
    const rows = await (m ?? this.dataSource).query<(CampaignProgress & { campaign_id: string })[]>(
      `SELECT campaign_id, count(*)::int AS total,
         count(*) FILTER (WHERE status = 'pending')::int AS pending,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'keep')::int AS kept,
         count(*) FILTER (WHERE status = 'decided' AND decision = 'revoke')::int AS revoked,
         count(*) FILTER (WHERE status = 'expired')::int AS expired,
         count(*) FILTER (WHERE remediation = 'done')::int AS remediated,
         count(*) FILTER (WHERE remediation = 'failed')::int AS "remediationFailed",
         count(*) FILTER (WHERE remediation = 'manual')::int AS manual
       FROM review_items WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id`,
      [ids],
    );
    return new Map(
      rows.map(({ campaign_id, ...p }) => [
        campaign_id,
        {
          total: p.total,
          pending: p.pending,
          kept: p.kept,
          revoked: p.revoked,
          expired: p.expired,
          remediated: p.remediated,
          remediationFailed: p.remediationFailed,
          manual: p.manual,
        },
      ]),
    );
  }

  /** draft → launching; the `campaigns` job snapshots the memberships and makes it active. */
  async launch(actor: Actor, id: string): Promise<CampaignResponse> {
    // Launch and close are audited once, by their job, with counts.
    const row = await this.transition(actor, id, ['draft'], 'launching', null);
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
  ): Promise<CampaignRow> {
    return this.dataSource.transaction(async (m) => {
      const c = await this.campaignRow(id, m, true);
      if (!from.includes(c.status)) {
        throw new AppError('invalid_state', `The campaign is ${c.status}; it must be ${from.join(' or ')}`);
      }
      const [updated] = returned<CampaignRow>(
        await m.query(
          `UPDATE campaigns SET status = $2, closed_at = CASE WHEN $2 = 'cancelled' THEN clock_timestamp() ELSE closed_at END
           WHERE id = $1 RETURNING *`,
          [id, to],
        ),
      );
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

  private async enqueue(name: CampaignJob['name'], campaignId: string, actor: Actor | null): Promise<void> {
    try {
      await this.queue.add(
        name,
        { campaignId, requestedBy: actor?.type === 'principal' ? actor.id : null },
        {
          jobId: campaignJobId(name, campaignId),
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          // A failed job must not block its id: the tick enqueues the campaign again.
          removeOnFail: true,
        },
      );
    } catch (err) {
      this.logger.warn({ err, campaignId, name }, 'campaign job not enqueued (Redis); the tick will');
    }
  }

  /** Cluster tick: active campaigns past dueAt start closing; launches and closes Redis lost run again. */
  async enqueueDueWork(): Promise<void> {
    const due = await this.dataSource.transaction(async (m) => {
      const rows = returned<CampaignRow>(
        await m.query(
          `UPDATE campaigns SET status = 'closing' WHERE id IN
             (SELECT id FROM campaigns WHERE status = 'active' AND due_at <= now() FOR UPDATE SKIP LOCKED)
           RETURNING *`,
        ),
      );
      return rows;
    });
    const open = await this.dataSource.query<{ id: string; status: CampaignStatus }[]>(
      `SELECT id, status FROM campaigns WHERE status IN ('launching', 'closing')`,
    );
    for (const c of open) await this.enqueue(c.status === 'launching' ? 'launch' : 'close', c.id, null);
    if (due.length > 0) this.logger.log({ count: due.length }, 'campaigns past their due date are closing');
  }

  // ---------------------------------------------------------------- launch (the `campaigns` job)

  /**
   * Snapshots every membership in scope into review items with one INSERT … SELECT over
   * `directory_membership_view`, each with its reviewer (API.md strategies; the fallback takes items
   * with no reviewer or whose reviewer would be the member, ARCHITECTURE.md rule 4).
   */
  async runLaunch(campaignId: string, requestedBy: string | null): Promise<void> {
    const c = await this.campaignRow(campaignId);
    if (c.status !== 'launching') return;
    const scope = await this.scopeGroupIds(c);
    const assignments = await this.assignments(c, scope);
    const fallbacks = await this.principalEmails(c.fallback_reviewer_ids);
    const fallbackList = c.fallback_reviewer_ids
      .filter((id) => fallbacks.has(id))
      .map((id) => ({ id, email: fallbacks.get(id) as string }));
    await this.dataSource.transaction(async (m) => {
      const locked = await this.campaignRow(campaignId, m, true);
      if (locked.status !== 'launching') return;
      // No ON CONFLICT: the view gives each membership once (its primary key) and this transaction, under
      // the campaign's row lock, is the only launch. A speculative insert per row made a launch of
      // 1,000,000 items 13.4 s instead of 10.3 s (bench:campaign, one pair of runs).
      const inserted = await m.query<{ n: number }[]>(
        `WITH admins AS (
           SELECT DISTINCT lower(email) AS email FROM campaign_account_view
           WHERE connection_id = $2 AND kind = 'admin' AND email IS NOT NULL),
         apps AS (
           SELECT group_id, jsonb_agg(jsonb_build_object('id', application_id, 'name', application_name)
                    ORDER BY application_name, application_id) AS list
           FROM campaign_group_application_view WHERE connection_id = $2 GROUP BY group_id),
         ins AS (
           INSERT INTO review_items (campaign_id, connection_id, account_id, group_id, account_email,
             account_display_name, account_kind, account_state, department, job_title, manager_account_id,
             manager_display_name, is_administrator, group_name, membership_method, applications,
             membership_since, grant_id, reviewer_id, recommendation, recommendation_reason)
           SELECT $1, v.connection_id, v.account_id, v.group_id, v.email, v.display_name, v.kind, v.state,
             v.department, v.job_title, v.manager_account_id, mgr.display_name, adm.email IS NOT NULL,
             v.group_name, v.membership_method, COALESCE(apps.list, '[]'::jsonb), v.since, gr.grant_id,
             COALESCE(
               CASE WHEN lower(r.email) IS DISTINCT FROM lower(v.email) THEN r.principal_id END,
               (SELECT f.id FROM unnest($6::uuid[], $7::text[]) WITH ORDINALITY AS f(id, email, ord)
                WHERE lower(f.email) IS DISTINCT FROM lower(v.email) ORDER BY f.ord LIMIT 1)),
             CASE WHEN v.state = 'SUSPENDED' THEN 'revoke'
                  WHEN adm.email IS NOT NULL THEN 'review'
                  WHEN NOT v.seen_at_baseline AND v.since > now() - make_interval(days => $8) THEN 'review' END,
             CASE WHEN v.state = 'SUSPENDED' THEN 'The account is suspended'
                  WHEN adm.email IS NOT NULL THEN 'The member is also a JumpCloud administrator'
                  WHEN NOT v.seen_at_baseline AND v.since > now() - make_interval(days => $8)
                    THEN 'The member joined the group in the last ' || $8 || ' days' END
           FROM directory_membership_view v
           LEFT JOIN campaign_account_view mgr ON mgr.id = v.manager_account_id
           LEFT JOIN admins adm ON adm.email = lower(v.email)
           LEFT JOIN apps ON apps.group_id = v.group_id
           LEFT JOIN campaign_active_grant_view gr ON gr.group_id = v.group_id AND gr.account_id = v.account_id
           LEFT JOIN unnest($3::uuid[], $4::uuid[], $5::text[]) AS r(key, principal_id, email)
             ON r.key = CASE WHEN $9 = 'manager' THEN v.manager_account_id ELSE v.group_id END
           WHERE v.connection_id = $2 AND ($10::uuid[] IS NULL OR v.group_id = ANY($10::uuid[]))
           RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [
          campaignId,
          c.connection_id,
          assignments.map((a) => a.key),
          assignments.map((a) => a.principalId),
          assignments.map((a) => a.email),
          fallbackList.map((f) => f.id),
          fallbackList.map((f) => f.email),
          RECENT_JOIN_DAYS,
          c.reviewer_strategy,
          scope,
        ],
      );
      if (inserted[0].n >= ANALYZE_AFTER_ITEMS) {
        // Until autovacuum gets to it (a minute or more), the planner takes a first campaign's items for a
        // handful of rows and answers /reviews by sorting all of a reviewer's items instead of walking
        // review_items_reviewer_idx: ~50 times slower. ANALYZE counts this transaction's own inserts,
        // and its statistics become visible with the items themselves, before anyone can see `active`.
        // Through the owner's function: the server's role may not ANALYZE (migration 1764000009100).
        await m.query(`SELECT jumpgate_analyze('review_items')`);
      }
      // clock_timestamp(): the launch is the end of this transaction, not its start (before the insert).
      await m.query(`UPDATE campaigns SET status = 'active', launched_at = clock_timestamp() WHERE id = $1`, [
        campaignId,
      ]);
      const [stats] = await m.query<{ reviewers: number; unassigned: number; groups: number }[]>(
        `SELECT count(DISTINCT reviewer_id)::int AS reviewers, count(*) FILTER (WHERE reviewer_id IS NULL)::int AS unassigned,
           count(DISTINCT group_id)::int AS groups
         FROM review_items WHERE campaign_id = $1`,
        [campaignId],
      );
      await this.audit.record(m, LAUNCH_ACTOR, {
        action: 'campaign.launched',
        targetType: 'campaign',
        targetId: campaignId,
        data: { requestedBy, items: inserted[0].n, ...stats },
      });
    });
  }

  /** Group ids in scope (the union of chosen groups and groups of chosen applications), or null for all. */
  private async scopeGroupIds(c: CampaignRow): Promise<string[] | null> {
    if (c.scope_group_ids.length === 0 && c.scope_application_ids.length === 0) return null;
    const viaApps = await this.dataSource.query<{ group_id: string }[]>(
      `SELECT DISTINCT group_id FROM campaign_group_application_view
       WHERE connection_id = $1 AND application_id = ANY($2::uuid[])`,
      [c.connection_id, c.scope_application_ids],
    );
    return [...new Set([...c.scope_group_ids, ...viaApps.map((r) => r.group_id)])];
  }

  /** The reviewer of each key: a manager account id (`manager`) or a group id (the other strategies). */
  private async assignments(c: CampaignRow, scope: string[] | null): Promise<Assignment[]> {
    if (c.reviewer_strategy === 'manager') {
      const managers = await this.dataSource.query<
        { id: string; email: string; display_name: string | null }[]
      >(
        `SELECT a.id, a.email, a.display_name FROM campaign_account_view a
         WHERE a.email IS NOT NULL AND a.id IN (
           SELECT DISTINCT manager_account_id FROM directory_membership_view v
           WHERE v.connection_id = $1 AND v.manager_account_id IS NOT NULL
             AND ($2::uuid[] IS NULL OR v.group_id = ANY($2::uuid[])))`,
        [c.connection_id, scope],
      );
      const out: Assignment[] = [];
      // One round trip per manager (not per item): a principal is created for a manager who has none.
      for (const mgr of managers) {
        const p = await this.auth.ensurePrincipalForEmail(LAUNCH_ACTOR, mgr.email, mgr.display_name);
        // A disabled principal reviews nothing: the fallback takes those items.
        if (!p.disabled) out.push({ key: mgr.id, principalId: p.id, email: p.email });
      }
      return out;
    }
    const groups = await this.dataSource.query<{ group_id: string }[]>(
      `SELECT group_id FROM (SELECT DISTINCT group_id, group_name FROM directory_membership_view v
         WHERE v.connection_id = $1 AND ($2::uuid[] IS NULL OR v.group_id = ANY($2::uuid[]))) g
       ORDER BY group_name, group_id`,
      [c.connection_id, scope],
    );
    const chosen: { key: string; principalId: string }[] = [];
    if (c.reviewer_strategy === 'named') {
      // Whole groups dealt to the reviewers in turn, in the order given.
      groups.forEach((g, i) =>
        chosen.push({ key: g.group_id, principalId: c.reviewer_ids[i % c.reviewer_ids.length] }),
      );
    } else {
      for (const g of groups) {
        const policy = await this.access.getPolicy(LAUNCH_ACTOR, g.group_id);
        if (policy.ownerIds.length > 0) chosen.push({ key: g.group_id, principalId: policy.ownerIds[0] });
      }
    }
    const emails = await this.principalEmails(chosen.map((a) => a.principalId));
    return chosen
      .filter((a) => emails.has(a.principalId))
      .map((a) => ({ ...a, email: emails.get(a.principalId) as string }));
  }

  /** Emails of enabled principals by id (reviewer lists are small). */
  private async principalEmails(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(ids)) {
      const p = await this.auth.getPrincipalRow(id);
      if (p && !p.disabled) out.set(id, p.email);
    }
    return out;
  }

  // ---------------------------------------------------------------- close (the `campaigns` job)

  /**
   * Pending items take the default decision (`none`: expired); with autoRemediate every revoke becomes
   * a provisioning removal in this same transaction (ARCHITECTURE.md rule 2), else its remediation is
   * `manual`. Operations are dispatched after commit.
   */
  async runClose(campaignId: string, requestedBy: string | null): Promise<void> {
    const operationIds: string[] = [];
    let grantMemberships = 0;
    await this.dataSource.transaction(async (m) => {
      const c = await this.campaignRow(campaignId, m, true);
      if (c.status !== 'closing') return;
      const defaulted = affected(
        await m.query(
          `UPDATE review_items SET
             status = CASE WHEN $2 = 'none' THEN 'expired' ELSE 'decided' END,
             decision = CASE WHEN $2 = 'none' THEN NULL ELSE $2 END,
             justification = CASE WHEN $2 = 'none' THEN NULL ELSE 'Default decision at close' END,
             decided_at = CASE WHEN $2 = 'none' THEN NULL ELSE statement_timestamp() END
           WHERE campaign_id = $1 AND status = 'pending'`,
          [campaignId, c.default_decision],
        ),
      );
      if (c.auto_remediate) {
        for (;;) {
          const batch = await m.query<
            { id: string; account_id: string; group_id: string; grant_id: string | null }[]
          >(
            `SELECT id, account_id, group_id, grant_id FROM review_items
             WHERE campaign_id = $1 AND status = 'decided' AND decision = 'revoke' AND remediation = 'none'
             ORDER BY id LIMIT $2`,
            [campaignId, REMEDIATION_BATCH],
          );
          if (batch.length === 0) break;
          const intents: OperationIntent[] = batch.map((i) => ({
            connectionId: c.connection_id,
            action: 'remove_member',
            accountId: i.account_id,
            groupId: i.group_id,
            reason: `access review "${c.name}": revoked`,
            sourceType: 'review_item',
            sourceId: i.id,
          }));
          const ids = await this.provisioning.enqueue(m, intents);
          operationIds.push(...ids);
          // A membership a jumpgate grant created: its grant ends `revoked` once this removal succeeds
          // (onOperationSettled); until then, and for good if it fails, the grant stays live.
          grantMemberships += batch.filter((i) => i.grant_id !== null).length;
          await m.query(
            `UPDATE review_items i SET remediation = 'pending', operation_id = u.op
             FROM unnest($1::uuid[], $2::uuid[]) AS u(id, op) WHERE i.id = u.id`,
            [batch.map((i) => i.id), ids],
          );
        }
      } else {
        await m.query(
          `UPDATE review_items SET remediation = 'manual'
           WHERE campaign_id = $1 AND status = 'decided' AND decision = 'revoke'`,
          [campaignId],
        );
      }
      await m.query(`UPDATE campaigns SET status = 'closed', closed_at = clock_timestamp() WHERE id = $1`, [
        campaignId,
      ]);
      const progress = (await this.progressOf([campaignId], m)).get(campaignId) ?? EMPTY_PROGRESS;
      await this.audit.record(m, CLOSE_ACTOR, {
        action: 'campaign.closed',
        targetType: 'campaign',
        targetId: campaignId,
        data: {
          requestedBy,
          defaulted,
          defaultDecision: c.default_decision,
          operations: operationIds.length,
          grantMemberships,
          ...progress,
        },
      });
    });
    for (let i = 0; i < operationIds.length; i += 1000) {
      await this.provisioning.dispatch(operationIds.slice(i, i + 1000));
    }
  }

  // ---------------------------------------------------------------- items and decisions

  async listItems(
    _actor: Actor,
    campaignId: string,
    f: { status?: ItemStatus; reviewerId?: string; decision?: Decision },
    limit: number,
    cursor?: string,
  ): Promise<Page<ReviewItemResponse>> {
    await this.campaignRow(campaignId);
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<ItemRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM review_items
       WHERE campaign_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR reviewer_id = $3)
         AND ($4::text IS NULL OR decision = $4)
         AND ($5::timestamptz IS NULL OR (created_at, id) > ($5::timestamptz, $6::uuid))
       ORDER BY created_at, id LIMIT $7`,
      [
        campaignId,
        f.status ?? null,
        f.reviewerId ?? null,
        f.decision ?? null,
        after?.k ?? null,
        after?.id ?? null,
        limit + 1,
      ],
    );
    return toPage(
      rows,
      limit,
      (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.id }),
      toReviewItemResponse,
    );
  }

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
    // Named statements, one per shape, so that each pooled connection plans them once: planning cost
    // more than running them. Without an `IS NULL OR` the cursor is an index condition in either plan.
    const rows = await this.preparedRows<[json: string, id: string, ck: string]>(
      after ? 'campaigns.reviews.after' : 'campaigns.reviews.first',
      `SELECT ${REVIEW_ITEM_JSON}, i.id, ${cursorKey('i.created_at')} FROM review_items i
       WHERE i.reviewer_id = $1 AND ($2::text IS NULL OR i.status = $2)
         AND i.campaign_id IN (SELECT id FROM campaigns WHERE status IN ('active', 'closing', 'closed'))
         ${after ? 'AND (i.created_at, i.id) > ($4::timestamptz, $5::uuid)' : ''}
       ORDER BY i.created_at, i.id LIMIT $3`,
      after
        ? [actor.id, status ?? null, limit + 1, after.k, after.id]
        : [actor.id, status ?? null, limit + 1],
    );
    return toJsonPage(
      rows,
      limit,
      (r) => ({ k: r[2], id: r[1] }),
      (r) => r[0],
    );
  }

  /**
   * A named (prepared) statement on TypeORM's own pool, rows as arrays: Postgres parses and plans it
   * once per connection instead of on every call, as dataSource.query (unnamed statements) does.
   */
  private async preparedRows<R extends unknown[]>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    return (await pool.query<R>({ name, text, values, rowMode: 'array' })).rows;
  }

  /** Only the assigned reviewer, or an admin as an override; never about one's own account. */
  private checkDecision(
    actor: Actor,
    item: ItemRow,
    decision: Decision,
    justification?: string,
  ): DecisionCheck {
    const mine = actor.type === 'principal' && item.reviewer_id === actor.id;
    if (!mine && !isAdmin(actor)) {
      return {
        ok: false,
        reason: 'forbidden',
        error: forbidden('Only the assigned reviewer or an admin may decide this item'),
      };
    }
    const sod = separationOfDutiesViolation(actor, { accountEmails: [item.account_email] });
    if (sod)
      return { ok: false, reason: 'separation_of_duties', error: new AppError('separation_of_duties', sod) };
    if (item.campaign_status !== 'active') {
      return {
        ok: false,
        reason: 'campaign_not_active',
        error: new AppError('invalid_state', `The campaign is ${item.campaign_status}; decisions are closed`),
      };
    }
    if (decision === 'revoke' && !justification?.trim()) {
      return {
        ok: false,
        reason: 'justification_required',
        error: new AppError('justification_required', 'A justification is required to revoke'),
      };
    }
    return { ok: true, override: !mine };
  }

  private async lockItems(m: EntityManager, ids: string[]): Promise<Map<string, ItemRow>> {
    const rows = await m.query<ItemRow[]>(
      `SELECT i.*, c.status AS campaign_status FROM review_items i JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.id = ANY($1::uuid[]) ORDER BY i.id FOR UPDATE OF i`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async applyDecisions(
    m: EntityManager,
    actor: Actor,
    decisions: { item: ItemRow; decision: Decision; justification: string | null; override: boolean }[],
  ): Promise<ItemRow[]> {
    if (decisions.length === 0) return [];
    const updated = returned<ItemRow>(
      await m.query(
        `UPDATE review_items i SET status = 'decided', decision = u.decision, justification = u.justification,
           decided_by = $5::uuid, decided_at = now(), override = u.override
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[]) AS u(id, decision, justification, override)
         WHERE i.id = u.id RETURNING i.*`,
        [
          decisions.map((d) => d.item.id),
          decisions.map((d) => d.decision),
          decisions.map((d) => d.justification),
          decisions.map((d) => d.override),
          actor.type === 'principal' ? actor.id : null,
        ],
      ),
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
    return updated;
  }

  async decide(
    actor: Actor,
    itemId: string,
    decision: Decision,
    justification?: string,
  ): Promise<ReviewItemResponse> {
    assertNotBootstrap(actor, 'decide review items');
    const row = await this.dataSource.transaction(async (m) => {
      const item = (await this.lockItems(m, [itemId])).get(itemId);
      if (!item) throw notFound('Review item');
      const check = this.checkDecision(actor, item, decision, justification);
      if (!check.ok) throw check.error;
      const [updated] = await this.applyDecisions(m, actor, [
        { item, decision, justification: justification?.trim() || null, override: check.override },
      ]);
      return updated;
    });
    return toReviewItemResponse(row);
  }

  /** Up to 1,000 decisions, each checked as a single one; those that pass commit together. */
  async decideMany(
    actor: Actor,
    decisions: { itemId: string; decision: Decision; justification?: string }[],
  ): Promise<BulkDecisionResult> {
    assertNotBootstrap(actor, 'decide review items');
    return this.dataSource.transaction(async (m) => {
      const items = await this.lockItems(m, [...new Set(decisions.map((d) => d.itemId))]);
      const rejected: BulkDecisionResult['rejected'] = [];
      const seen = new Set<string>();
      const apply: Parameters<CampaignsService['applyDecisions']>[2] = [];
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
        const check = this.checkDecision(actor, item, d.decision, d.justification);
        if (!check.ok) {
          rejected.push({ itemId: d.itemId, reason: check.reason });
          continue;
        }
        apply.push({
          item,
          decision: d.decision,
          justification: d.justification?.trim() || null,
          override: check.override,
        });
      }
      const updated = await this.applyDecisions(m, actor, apply);
      return { applied: updated.length, rejected };
    });
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
      const item = (await this.lockItems(m, [itemId])).get(itemId);
      if (!item) throw notFound('Review item');
      const mine = actor.type === 'principal' && item.reviewer_id === actor.id;
      if (!mine && !isAdmin(actor))
        throw forbidden('Only the assigned reviewer or an admin may reassign this item');
      const sod = separationOfDutiesViolation(actor, { accountEmails: [item.account_email] });
      if (sod) throw new AppError('separation_of_duties', sod);
      if (item.campaign_status !== 'active') {
        throw new AppError(
          'invalid_state',
          `The campaign is ${item.campaign_status}; items cannot be reassigned`,
        );
      }
      if (!reviewer || reviewer.disabled)
        throw new AppError('validation_failed', 'reviewerId: no such principal');
      // It could never decide the item (assertNotBootstrap), so the item would wait forever.
      if (reviewer.is_bootstrap) {
        throw new AppError('bootstrap_cannot_act', 'reviewerId: the bootstrap admin never reviews');
      }
      if (isSamePerson(reviewer.email, item.account_email)) {
        throw new AppError('validation_failed', 'reviewerId: a reviewer may not review their own access');
      }
      const [updated] = returned<ItemRow>(
        await m.query(`UPDATE review_items SET reviewer_id = $2 WHERE id = $1 RETURNING *`, [
          itemId,
          reviewerId,
        ]),
      );
      await this.audit.record(m, actor, {
        action: 'campaign.item.reassigned',
        targetType: 'review_item',
        targetId: itemId,
        data: {
          campaignId: item.campaign_id,
          from: item.reviewer_id,
          to: reviewerId,
          reason,
          override: !mine,
        },
      });
      return updated;
    });
    return toReviewItemResponse(row);
  }

  // ---------------------------------------------------------------- remediation

  /**
   * The removal's outcome: failed and manual settle the item; success waits for a confirming sync.
   * Returns whether the item took it (false when it already had).
   */
  @OnEvent(PROVISIONING_OPERATION_SETTLED, { async: true, promisify: true })
  async onOperationSettled(e: ProvisioningOperationSettledEvent): Promise<boolean> {
    if (e.sourceType !== 'review_item') return false;
    return this.dataSource.transaction(async (m) => {
      // removal_applied_at IS NULL: an outcome is applied once (the reconcile tick may offer it again).
      const [item] = returned<ItemRow>(
        await m.query(
          `UPDATE review_items SET
             remediation = CASE WHEN $2 = 'succeeded' THEN remediation ELSE $2 END,
             removal_applied_at = CASE WHEN $2 = 'succeeded' THEN $3::timestamptz ELSE NULL END,
             remediated_at = CASE WHEN $2 = 'succeeded' THEN NULL ELSE $3::timestamptz END
           WHERE id = $1 AND operation_id = $4 AND remediation = 'pending' AND removal_applied_at IS NULL
           RETURNING *`,
          [e.sourceId, e.status, e.completedAt, e.operationId],
        ),
      );
      if (!item) return false;
      // The removal took out a membership a grant created: only now does that grant end (`revoked`).
      // A failed removal leaves the grant live, to expire as usual, and the item `failed`.
      if (e.status === 'succeeded' && item.grant_id !== null) {
        await this.access.endGrantsRevokedByReview(m, PROVISIONING_ACTOR, [
          { grantId: item.grant_id, reviewItemId: item.id },
        ]);
      }
      if (e.status !== 'succeeded') {
        await this.audit.record(m, PROVISIONING_ACTOR, {
          action: `campaign.item.remediation_${e.status}`,
          targetType: 'review_item',
          targetId: item.id,
          data: { campaignId: item.campaign_id, operationId: e.operationId, error: e.error },
        });
      }
      return true;
    });
  }

  /**
   * Items whose removal settled over REMEDIATION_RECONCILE_AFTER_MS ago but which still wait for its
   * outcome missed the settled event: it is applied here, without another JumpCloud call. Without
   * this such an item would stay `pending` for good (a confirming sync only looks at applied removals).
   * Returns the number of items it moved on.
   */
  async reconcileSettledRemediations(): Promise<number> {
    const settledBefore = Date.now() - REMEDIATION_RECONCILE_AFTER_MS;
    let afterId = '00000000-0000-0000-0000-000000000000';
    let moved = 0;
    for (;;) {
      const items = await this.dataSource.query<{ id: string; operation_id: string }[]>(
        `SELECT id, operation_id FROM review_items
         WHERE remediation = 'pending' AND removal_applied_at IS NULL AND operation_id IS NOT NULL AND id > $1
         ORDER BY id LIMIT $2`,
        [afterId, RECONCILE_BATCH],
      );
      if (items.length === 0) break;
      afterId = items[items.length - 1].id;
      const current = new Map(items.map((i) => [i.id, i.operation_id]));
      const settled = await this.provisioning.settledOperationsOf(
        'review_item',
        items.map((i) => i.id),
      );
      for (const e of settled) {
        if (current.get(e.sourceId) !== e.operationId || Date.parse(e.completedAt) >= settledBefore) continue;
        if (await this.onOperationSettled(e)) moved++;
      }
    }
    if (moved > 0) this.logger.warn({ items: moved }, 'applied removal outcomes whose events were lost');
    return moved;
  }

  /**
   * `done` waits for a sync that started after JumpCloud accepted the removal and no longer lists the
   * membership; a sync that still lists it marks the remediation failed.
   */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    const run = await this.syncs.getRun(LAUNCH_ACTOR, e.runId);
    if (!run.startedAt) return;
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const items = await this.dataSource.query<{ id: string; group_id: string; account_id: string }[]>(
        `SELECT id, group_id, account_id FROM review_items
         WHERE connection_id = $1 AND remediation = 'pending' AND removal_applied_at < $2::timestamptz AND id > $3
         ORDER BY id LIMIT $4`,
        [e.connectionId, run.startedAt, afterId, CONFIRM_BATCH],
      );
      if (items.length === 0) return;
      afterId = items[items.length - 1].id;
      const present = await this.directory.presentMemberships(
        items.map((i) => ({ groupId: i.group_id, accountId: i.account_id })),
      );
      const done = items.filter((i) => !present.has(`${i.group_id}:${i.account_id}`)).map((i) => i.id);
      const contradicted = items.filter((i) => present.has(`${i.group_id}:${i.account_id}`)).map((i) => i.id);
      await this.dataSource.query(
        `UPDATE review_items SET remediation = 'done', remediated_at = removal_applied_at
         WHERE id = ANY($1::uuid[]) AND remediation = 'pending'`,
        [done],
      );
      if (contradicted.length > 0) {
        this.logger.warn(
          { runId: e.runId, count: contradicted.length },
          'revoked memberships still present after sync',
        );
        await this.dataSource.query(
          `UPDATE review_items SET remediation = 'failed' WHERE id = ANY($1::uuid[]) AND remediation = 'pending'`,
          [contradicted],
        );
      }
    }
  }
}

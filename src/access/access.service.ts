import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type LinkedAccount } from '../auth/account-links';
import { AuthService } from '../auth/auth.service';
import { assertNotBootstrap, separationOfDutiesViolation } from '../auth/separation-of-duties';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionsService } from '../connections/connections.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { type Actor, hasRole, isAdmin, systemActor } from '../platform/actor';
import { returned } from '../platform/database/sql';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { cursorKey, decodeCursor, type Page, toPage } from '../platform/http/pagination';
import { QUEUES } from '../platform/queue/queues';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import {
  type OperationIntent,
  ProvisioningService,
  type RetryCandidate,
} from '../provisioning/provisioning.service';
import {
  PROVISIONING_OPERATIONS_SETTLED,
  PROVISIONING_UNCERTAIN_ADDS_LANDED,
  type ProvisioningOperationSettledEvent,
  type ProvisioningOperationsSettledEvent,
  type ProvisioningUncertainAddsLandedEvent,
} from '../provisioning/provisioning.events';
import {
  type AccessRequestResponse,
  type CatalogEntry,
  type CreateRequestDto,
  type GrantEndReason,
  type GrantResponse,
  type GrantStatus,
  type PolicyResponse,
  type PutPolicyDto,
  type RequestStatus,
} from './dto/access.dto';

export interface GrantExpiryJobData {
  grantId: string;
}

export const GRANT_EXPIRY_JOB_NAME = 'expire';
export const grantExpiryJobId = (grantId: string): string => `grant-expiry.${grantId}`;

/** A request nobody decides within this time ends `expired` (API.md). */
export const REQUEST_TTL_HOURS = 72;
const REQUEST_EXPIRY_PERIOD_MS = 60_000;
// A grant waiting this long on an operation that has settled missed the settled event (see reconcileSettledGrants).
const GRANT_RECONCILE_AFTER_MS = 60_000;
const GRANT_RECONCILE_PERIOD_MS = 30_000;
// Grants revoked per transaction by the sweep: each costs one outbox row and one audit event.
const EXPIRY_BATCH = 500;
const LIVE_GRANT_STATUSES = ['provisioning', 'active', 'revoking'];

const EXPIRY_ACTOR = systemActor('grant-expiry');
const SYNC_ACTOR = systemActor('directory-sync');
const PROVISIONING_ACTOR = systemActor('provisioning');
const POLICY_ACTOR = systemActor('auto-approve');

interface PolicyRow {
  group_id: string;
  connection_id: string;
  owner_ids: string[];
  requestable: boolean;
  max_duration_minutes: number;
  default_duration_minutes: number | null;
  approver_ids: string[] | null;
  approvals_required: number;
  require_justification: boolean;
  auto_approve: boolean;
  eligible_group_ids: string[] | null;
  created_at: Date;
  updated_at: Date;
  ck?: string;
}

interface RequestRow {
  id: string;
  connection_id: string;
  group_id: string;
  account_id: string;
  requester_id: string;
  duration_minutes: number;
  justification: string | null;
  status: RequestStatus;
  grant_id: string | null;
  created_at: Date;
  decided_at: Date | null;
  ck?: string;
}

interface ApprovalRow {
  request_id: string;
  approver_id: string;
  decision: 'approve' | 'deny';
  comment: string | null;
  at: Date;
}

interface GrantRow {
  id: string;
  request_id: string;
  connection_id: string;
  account_id: string;
  group_id: string;
  duration_minutes: number;
  status: GrantStatus;
  starts_at: Date | null;
  expires_at: Date | null;
  ended_at: Date | null;
  end_reason: GrantEndReason | null;
  failure_reason: string | null;
  created_at: Date;
  ck?: string;
}

/**
 * What a settled operation does to its grant: `activated` (the add landed while the grant waited),
 * `already_member` (the add found standing access: the grant ends and nothing is ever removed for
 * it), `failed` (the add was refused), `ended` (the removal succeeded, or a revoked grant's add never
 * landed), `revoke_failed` (the removal was refused: the grant stays `revoking` for an admin).
 */
type GrantOutcome = 'activated' | 'already_member' | 'failed' | 'ended' | 'revoke_failed';

/** Work to do once a transaction has committed: outbox dispatch and delayed-job changes. */

interface AfterCommit {
  operationIds: string[];
  schedule: GrantRow[];
  unschedule: string[];
}

const approversOf = (p: PolicyRow): string[] => p.approver_ids ?? p.owner_ids;
const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function toPolicy(p: PolicyRow): PolicyResponse {
  return {
    groupId: p.group_id,
    ownerIds: p.owner_ids,
    requestable: p.requestable,
    maxDurationMinutes: p.max_duration_minutes,
    defaultDurationMinutes: p.default_duration_minutes ?? p.max_duration_minutes,
    approverIds: approversOf(p),
    approvalsRequired: p.approvals_required,
    requireJustification: p.require_justification,
    autoApprove: p.auto_approve,
    eligibleGroupIds: p.eligible_group_ids,
    updatedAt: p.updated_at.toISOString(),
  };
}

function toGrant(g: GrantRow): GrantResponse {
  return {
    id: g.id,
    requestId: g.request_id,
    accountId: g.account_id,
    groupId: g.group_id,
    status: g.status,
    startsAt: iso(g.starts_at),
    expiresAt: iso(g.expires_at),
    endedAt: iso(g.ended_at),
    endReason: g.status === 'ended' ? g.end_reason : null,
    failureReason: g.failure_reason,
  };
}

function toRequest(
  r: RequestRow,
  approvals: ApprovalRow[],
  grant: GrantRow | undefined,
): AccessRequestResponse {
  return {
    id: r.id,
    connectionId: r.connection_id,
    groupId: r.group_id,
    accountId: r.account_id,
    requesterId: r.requester_id,
    durationMinutes: r.duration_minutes,
    justification: r.justification,
    status: r.status,
    approvals: approvals.map((a) => ({
      approverId: a.approver_id,
      decision: a.decision,
      comment: a.comment,
      at: a.at.toISOString(),
    })),
    grantId: r.grant_id,
    grant: grant
      ? {
          status: grant.status,
          endReason: grant.status === 'ended' ? grant.end_reason : null,
          expiresAt: iso(grant.expires_at),
        }
      : null,
    createdAt: r.created_at.toISOString(),
    decidedAt: iso(r.decided_at),
  };
}

const isUniqueViolation = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';

/**
 * Just-in-time access (API.md): group policies, requests and approvals, and grants that jumpgate adds
 * through the provisioning outbox and removes at expiry (ARCHITECTURE.md rules 2, 3 and 4).
 */
@Injectable()
export class AccessService implements OnModuleInit {
  private readonly logger = new Logger(AccessService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly provisioning: ProvisioningService,
    private readonly connections: ConnectionsService,
    private readonly tick: ClusterTickService,
    @InjectQueue(QUEUES.grantExpiry) private readonly queue: Queue<GrantExpiryJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.directory.registerAccountReadGrant((actor) => this.beneficiariesToApprove(actor));
    this.tick.register({
      name: 'access.grant-expiry-sweep',
      periodMs: () => this.config.expirySweepSeconds * 1000,
      run: async () => void (await this.expireDueGrants()),
    });
    this.tick.register({
      name: 'access.grant-reconcile',
      periodMs: () => GRANT_RECONCILE_PERIOD_MS,
      run: async () => void (await this.reconcileSettledGrants()),
    });
    this.tick.register({
      name: 'access.request-expiry',
      periodMs: () => REQUEST_EXPIRY_PERIOD_MS,
      run: async () => void (await this.expireStaleRequests()),
    });
    this.connections.registerUsageCheck(async (connectionId) => {
      const [{ n }] = await this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM access_grants WHERE connection_id = $1 AND status = ANY($2::text[])`,
        [connectionId, LIVE_GRANT_STATUSES],
      );
      return n > 0 ? `The connection has ${n} active grant(s); revoke them first` : null;
    });
    this.provisioning.registerRetryCheck('grant', (m, op) => this.checkRetry(m, op));
  }

  /**
   * An admin's retry of a grant's failed operation (API.md): an add only while the grant still waits
   * for it (`provisioning`), else the person would get a membership no grant ends. A removal is
   * always still awaited, since something jumpgate added may remain, except for a grant that found
   * standing access (it has nothing of jumpgate's to remove).
   */
  private async checkRetry(m: EntityManager, op: RetryCandidate): Promise<void> {
    const [g] = await m.query<GrantRow[]>(`SELECT * FROM access_grants WHERE id = $1 FOR UPDATE`, [
      op.sourceId,
    ]);
    const waits =
      g !== undefined &&
      (op.action === 'add_member' ? g.status === 'provisioning' : g.end_reason !== 'already_member');
    if (!waits) {
      throw new AppError(
        'grant_not_waiting',
        g === undefined
          ? 'The grant of this operation does not exist'
          : `The grant of this operation is ${g.status}${g.end_reason ? ` (${g.end_reason})` : ''} and no longer waits for it; request access again instead`,
        { grantId: op.sourceId },
      );
    }
  }

  // ---------------------------------------------------------------- who may see what

  private async myAccounts(actor: Actor): Promise<LinkedAccount[]> {
    return actor.type === 'principal' ? this.directory.accountsForEmail(actor.email) : [];
  }

  /**
   * Accounts that pending requests this actor may approve would benefit: an approver may read their
   * access and membership history before deciding (API.md "Who may call what").
   */
  private async beneficiariesToApprove(actor: Actor): Promise<string[]> {
    if (actor.type !== 'principal') return [];
    const rows = await this.dataSource.query<{ account_id: string }[]>(
      `SELECT DISTINCT r.account_id FROM access_requests r JOIN access_group_policies p ON p.group_id = r.group_id
       WHERE r.status = 'pending' AND $1::uuid = ANY(COALESCE(p.approver_ids, p.owner_ids))`,
      [actor.id],
    );
    return rows.map((r) => r.account_id);
  }

  private async policyRow(groupId: string, m?: EntityManager): Promise<PolicyRow | null> {
    const [row] = await (m ?? this.dataSource).query<PolicyRow[]>(
      `SELECT * FROM access_group_policies WHERE group_id = $1`,
      [groupId],
    );
    return row ?? null;
  }

  private async isApprover(actor: Actor, groupId: string, m?: EntityManager): Promise<boolean> {
    if (actor.type !== 'principal') return false;
    const p = await this.policyRow(groupId, m);
    return !!p && approversOf(p).includes(actor.id);
  }

  private async accountEmail(accountId: string): Promise<string | null> {
    try {
      return (await this.directory.getAccount(EXPIRY_ACTOR, accountId)).email;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- policies and catalog

  async getPolicy(actor: Actor, groupId: string): Promise<PolicyResponse> {
    await this.directory.getGroup(actor, groupId);
    const row = await this.policyRow(groupId);
    if (row) return toPolicy(row);
    // No policy yet: the group is simply not requestable.
    return {
      groupId,
      ownerIds: [],
      requestable: false,
      maxDurationMinutes: this.config.maxGrantMinutes,
      defaultDurationMinutes: this.config.maxGrantMinutes,
      approverIds: [],
      approvalsRequired: 1,
      requireJustification: false,
      autoApprove: false,
      eligibleGroupIds: null,
      updatedAt: null,
    };
  }

  async putPolicy(actor: Actor, groupId: string, dto: PutPolicyDto): Promise<PolicyResponse> {
    const group = await this.directory.getGroup(actor, groupId);
    if (group.removedAt) throw new AppError('invalid_state', 'The group was removed from JumpCloud');
    if (dto.requestable && group.membershipMethod === 'DYNAMIC_AUTOMATED') {
      throw new AppError(
        'dynamic_group',
        'A DYNAMIC_AUTOMATED group cannot be requestable: JumpCloud sets its members by rule',
      );
    }
    if (dto.maxDurationMinutes > this.config.maxGrantMinutes) {
      throw new AppError(
        'validation_failed',
        `maxDurationMinutes may be at most MAX_GRANT_MINUTES (${this.config.maxGrantMinutes})`,
      );
    }
    if (dto.defaultDurationMinutes !== undefined && dto.defaultDurationMinutes > dto.maxDurationMinutes) {
      throw new AppError('validation_failed', 'defaultDurationMinutes may not exceed maxDurationMinutes');
    }
    const owners = [...new Set(dto.ownerIds)];
    const approvers = dto.approverIds ? [...new Set(dto.approverIds)] : null;
    const effectiveApprovers = approvers ?? owners;
    const required = dto.approvalsRequired ?? 1;
    if ((dto.requestable || dto.approvalsRequired !== undefined) && required > effectiveApprovers.length) {
      throw new AppError(
        'validation_failed',
        `approvalsRequired (${required}) may not exceed the number of approvers (${effectiveApprovers.length})`,
      );
    }
    const wanted = [...new Set([...owners, ...effectiveApprovers])];
    const existing = new Set(await this.auth.existingPrincipalIds(wanted));
    const missing = wanted.filter((id) => !existing.has(id));
    if (missing.length > 0) {
      throw new AppError('validation_failed', `No such principal: ${missing.join(', ')}`);
    }
    const eligible = dto.eligibleGroupIds ? [...new Set(dto.eligibleGroupIds)] : null;
    if (eligible && eligible.length > 0) {
      const found = await this.directory.groupsByIds(eligible);
      const ok = new Set(
        found.filter((g) => !g.removedAt && g.connectionId === group.connectionId).map((g) => g.id),
      );
      const bad = eligible.filter((id) => !ok.has(id));
      if (bad.length > 0) {
        throw new AppError(
          'validation_failed',
          `eligibleGroupIds must be groups of the same connection: ${bad.join(', ')}`,
        );
      }
    }
    const row = await this.dataSource.transaction(async (m) => {
      const previous = await this.policyRow(groupId, m);
      const [saved] = await m.query<PolicyRow[]>(
        `INSERT INTO access_group_policies (group_id, connection_id, owner_ids, requestable, max_duration_minutes,
           default_duration_minutes, approver_ids, approvals_required, require_justification, auto_approve, eligible_group_ids)
         VALUES ($1, $2, $3::uuid[], $4, $5, $6, $7::uuid[], $8, $9, $10, $11::uuid[])
         ON CONFLICT (group_id) DO UPDATE SET owner_ids = EXCLUDED.owner_ids, requestable = EXCLUDED.requestable,
           max_duration_minutes = EXCLUDED.max_duration_minutes, default_duration_minutes = EXCLUDED.default_duration_minutes,
           approver_ids = EXCLUDED.approver_ids, approvals_required = EXCLUDED.approvals_required,
           require_justification = EXCLUDED.require_justification, auto_approve = EXCLUDED.auto_approve,
           eligible_group_ids = EXCLUDED.eligible_group_ids, updated_at = now()
         RETURNING *`,
        [
          groupId,
          group.connectionId,
          owners,
          dto.requestable,
          dto.maxDurationMinutes,
          dto.defaultDurationMinutes ?? null,
          approvers,
          required,
          dto.requireJustification,
          dto.autoApprove ?? false,
          eligible,
        ],
      );
      await this.audit.record(m, actor, {
        action: 'access.policy.updated',
        targetType: 'group',
        targetId: groupId,
        data: { previous: previous ? toPolicy(previous) : null, policy: toPolicy(saved) },
      });
      return saved;
    });
    return toPolicy(row);
  }

  /** Requestable groups the caller has an account for and is eligible to request. */
  async catalog(actor: Actor, limit: number, cursor?: string): Promise<Page<CatalogEntry>> {
    const accounts = (await this.myAccounts(actor)).filter((a) => a.kind === 'user');
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<PolicyRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM access_group_policies
       WHERE requestable AND connection_id = ANY($1::uuid[])
         AND ($2::timestamptz IS NULL OR (created_at, group_id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, group_id LIMIT $4`,
      [[...new Set(accounts.map((a) => a.connectionId))], after?.k ?? null, after?.id ?? null, limit + 1],
    );
    const page = toPage(
      rows,
      limit,
      (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.group_id }),
      (r) => r,
    );
    const groups = new Map(
      (await this.directory.groupsByIds(page.items.map((p) => p.group_id))).map((g) => [g.id, g]),
    );
    const pairs = page.items.flatMap((p) =>
      (p.eligible_group_ids ?? []).flatMap((gid) =>
        accounts
          .filter((a) => a.connectionId === p.connection_id)
          .map((a) => ({ groupId: gid, accountId: a.id })),
      ),
    );
    const present = await this.directory.presentMemberships(pairs);
    const items: CatalogEntry[] = [];
    for (const p of page.items) {
      const g = groups.get(p.group_id);
      if (!g || g.removedAt || g.membershipMethod === 'DYNAMIC_AUTOMATED') continue;
      const mine = accounts.filter((a) => a.connectionId === p.connection_id);
      const eligible =
        !p.eligible_group_ids?.length ||
        p.eligible_group_ids.some((gid) => mine.some((a) => present.has(`${gid}:${a.id}`)));
      if (!eligible) continue;
      items.push({
        group: { id: g.id, name: g.name, applications: g.applications },
        maxDurationMinutes: p.max_duration_minutes,
        defaultDurationMinutes: p.default_duration_minutes ?? p.max_duration_minutes,
        requireJustification: p.require_justification,
      });
    }
    return { items, nextCursor: page.nextCursor };
  }

  // ---------------------------------------------------------------- requests

  async createRequest(actor: Actor, dto: CreateRequestDto): Promise<AccessRequestResponse> {
    if (actor.type !== 'principal') throw forbidden('Only principals request access');
    const [group] = await this.directory.groupsByIds([dto.groupId]);
    const policy = group && !group.removedAt ? await this.policyRow(group.id) : null;
    if (!group || !policy || !policy.requestable || group.membershipMethod === 'DYNAMIC_AUTOMATED') {
      throw new AppError('not_requestable', 'This group is not requestable');
    }
    const mine = await this.myAccounts(actor);
    let accountId: string;
    let self: boolean;
    if (dto.accountId) {
      self = mine.some((a) => a.id === dto.accountId);
      if (!self && !isAdmin(actor) && !policy.owner_ids.includes(actor.id)) {
        throw forbidden("Only admins and the group's owners may request access for another account");
      }
      const account = await this.directory.getAccount(actor, dto.accountId).catch(() => null);
      if (
        !account ||
        account.removedAt ||
        account.kind !== 'user' ||
        account.connectionId !== group.connectionId
      ) {
        throw new AppError('no_account', "That account is not a user of the group's connection");
      }
      accountId = account.id;
    } else {
      const own = mine.find((a) => a.kind === 'user' && a.connectionId === group.connectionId);
      if (!own) {
        throw new AppError('no_account', "You have no user account in this group's JumpCloud organisation");
      }
      accountId = own.id;
      self = true;
    }
    if (policy.eligible_group_ids?.length) {
      const present = await this.directory.presentMemberships(
        policy.eligible_group_ids.map((gid) => ({ groupId: gid, accountId })),
      );
      if (present.size === 0) {
        throw new AppError('not_eligible', 'Only members of the eligible groups may request this group');
      }
    }
    const duration = dto.durationMinutes ?? policy.default_duration_minutes ?? policy.max_duration_minutes;
    if (duration > policy.max_duration_minutes) {
      throw new AppError(
        'duration_exceeds_policy',
        `durationMinutes may be at most ${policy.max_duration_minutes} for this group`,
      );
    }
    const justification = dto.justification?.trim() || null;
    if (policy.require_justification && !justification) {
      throw new AppError('justification_required', 'This group requires a justification');
    }
    const standing = (await this.directory.presentMemberships([{ groupId: group.id, accountId }])).size > 0;

    const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [] };
    const row = await this.dataSource.transaction(async (m) => {
      const live = await this.liveGrant(m, group.id, accountId);
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
        [created] = await m.query<RequestRow[]>(
          `INSERT INTO access_requests (connection_id, group_id, account_id, requester_id, duration_minutes, justification)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [group.connectionId, group.id, accountId, actor.id, duration, justification],
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
      if (policy.auto_approve && self) {
        return this.grantFor(m, POLICY_ACTOR, created, after, 'access.request.auto_approved');
      }
      return created;
    });
    await this.afterCommit(after);
    return this.toResponses([row]).then((r) => r[0]);
  }

  private async liveGrant(m: EntityManager, groupId: string, accountId: string): Promise<GrantRow | null> {
    const [g] = await m.query<GrantRow[]>(
      `SELECT * FROM access_grants WHERE group_id = $1 AND account_id = $2 AND status = ANY($3::text[]) FOR UPDATE`,
      [groupId, accountId, LIVE_GRANT_STATUSES],
    );
    return g ?? null;
  }

  /**
   * An approved request becomes a grant (and an `add_member` operation) in the caller's transaction,
   * or extends the live grant of the same account and group.
   */
  private async grantFor(
    m: EntityManager,
    actor: Actor,
    request: RequestRow,
    after: AfterCommit,
    action: string,
  ): Promise<RequestRow> {
    const live = await this.liveGrant(m, request.group_id, request.account_id);
    if (live?.status === 'revoking') {
      throw new AppError('invalid_state', 'The current grant of this account is being revoked');
    }
    let grantId: string;
    if (live) {
      const [extended] = returned<GrantRow>(
        await m.query(
          `UPDATE access_grants SET duration_minutes = GREATEST(duration_minutes, $2),
             expires_at = CASE WHEN status = 'active' THEN GREATEST(expires_at, now() + make_interval(mins => $2)) END,
             updated_at = now()
           WHERE id = $1 RETURNING *`,
          [live.id, request.duration_minutes],
        ),
      );
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
    } else {
      const [grant] = await m.query<GrantRow[]>(
        `INSERT INTO access_grants (request_id, connection_id, account_id, group_id, duration_minutes)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [request.id, request.connection_id, request.account_id, request.group_id, request.duration_minutes],
      );
      grantId = grant.id;
      after.operationIds.push(
        ...(await this.provisioning.enqueue(m, [
          this.intent(grant, 'add_member', `access request ${request.id} approved`),
        ])),
      );
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
    const [approved] = returned<RequestRow>(
      await m.query(
        `UPDATE access_requests SET status = 'approved', decided_at = now(), grant_id = $2 WHERE id = $1 RETURNING *`,
        [request.id, grantId],
      ),
    );
    await this.audit.record(m, actor, {
      action,
      targetType: 'access_request',
      targetId: request.id,
      data: { grantId, extension: !!live },
    });
    return approved;
  }

  private intent(
    g: Pick<GrantRow, 'id' | 'connection_id' | 'account_id' | 'group_id'>,
    action: 'add_member' | 'remove_member',
    reason: string,
    key?: string,
  ): OperationIntent {
    return {
      connectionId: g.connection_id,
      action,
      accountId: g.account_id,
      groupId: g.group_id,
      reason,
      sourceType: 'grant',
      sourceId: g.id,
      ...(key === undefined ? {} : { key }),
    };
  }

  /** Locks a request and checks that the actor may decide it (approver, separation of duties). */
  private async lockForDecision(m: EntityManager, actor: Actor, id: string): Promise<RequestRow> {
    assertNotBootstrap(actor, 'approve or deny requests');
    const [req] = await m.query<RequestRow[]>(`SELECT * FROM access_requests WHERE id = $1 FOR UPDATE`, [id]);
    if (!req) throw notFound('Access request');
    if (!(await this.isApprover(actor, req.group_id, m))) {
      throw forbidden('Only approvers of this group may decide this request');
    }
    const violation = separationOfDutiesViolation(actor, {
      accountEmails: [await this.accountEmail(req.account_id)],
      principalIds: [req.requester_id],
    });
    if (violation) throw new AppError('separation_of_duties', violation);
    if (req.status !== 'pending') {
      throw new AppError('invalid_state', `The request is ${req.status}, no longer pending`);
    }
    const [already] = await m.query<unknown[]>(
      `SELECT 1 FROM access_request_approvals WHERE request_id = $1 AND approver_id = $2`,
      [id, actor.id],
    );
    if (already) throw new AppError('invalid_state', 'You have already decided this request');
    return req;
  }

  async approve(actor: Actor, id: string, comment?: string): Promise<AccessRequestResponse> {
    const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [] };
    const row = await this.dataSource.transaction(async (m) => {
      const req = await this.lockForDecision(m, actor, id);
      await m.query(
        `INSERT INTO access_request_approvals (request_id, approver_id, decision, comment) VALUES ($1, $2, 'approve', $3)`,
        [id, actor.id, comment ?? null],
      );
      const policy = await this.policyRow(req.group_id, m);
      const [{ n }] = await m.query<{ n: number }[]>(
        `SELECT count(DISTINCT approver_id)::int AS n FROM access_request_approvals WHERE request_id = $1 AND decision = 'approve'`,
        [id],
      );
      const required = policy?.approvals_required ?? 1;
      if (n < required) {
        await this.audit.record(m, actor, {
          action: 'access.request.approval_recorded',
          targetType: 'access_request',
          targetId: id,
          data: { approvals: n, approvalsRequired: required, comment: comment ?? null },
        });
        return req;
      }
      return this.grantFor(m, actor, req, after, 'access.request.approved');
    });
    await this.afterCommit(after);
    return this.toResponses([row]).then((r) => r[0]);
  }

  async deny(actor: Actor, id: string, comment: string): Promise<AccessRequestResponse> {
    const row = await this.dataSource.transaction(async (m) => {
      await this.lockForDecision(m, actor, id);
      await m.query(
        `INSERT INTO access_request_approvals (request_id, approver_id, decision, comment) VALUES ($1, $2, 'deny', $3)`,
        [id, actor.id, comment],
      );
      const [denied] = returned<RequestRow>(
        await m.query(
          `UPDATE access_requests SET status = 'denied', decided_at = now() WHERE id = $1 RETURNING *`,
          [id],
        ),
      );
      await this.audit.record(m, actor, {
        action: 'access.request.denied',
        targetType: 'access_request',
        targetId: id,
        data: { comment },
      });
      return denied;
    });
    return this.toResponses([row]).then((r) => r[0]);
  }

  async cancel(actor: Actor, id: string): Promise<AccessRequestResponse> {
    const row = await this.dataSource.transaction(async (m) => {
      const [req] = await m.query<RequestRow[]>(`SELECT * FROM access_requests WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      if (!req) throw notFound('Access request');
      if (req.requester_id !== actor.id) throw forbidden('Only the requester may cancel a request');
      if (req.status !== 'pending') {
        throw new AppError('invalid_state', `The request is ${req.status}, no longer pending`);
      }
      const [cancelled] = returned<RequestRow>(
        await m.query(
          `UPDATE access_requests SET status = 'cancelled', decided_at = now() WHERE id = $1 RETURNING *`,
          [id],
        ),
      );
      await this.audit.record(m, actor, {
        action: 'access.request.cancelled',
        targetType: 'access_request',
        targetId: id,
        data: {},
      });
      return cancelled;
    });
    return this.toResponses([row]).then((r) => r[0]);
  }

  /** Pending requests older than 72 hours end `expired` (cluster tick). */
  async expireStaleRequests(): Promise<number> {
    const rows = await this.dataSource.transaction(async (m) => {
      const expired = returned<RequestRow>(
        await m.query(
          `UPDATE access_requests SET status = 'expired', decided_at = now()
           WHERE id IN (SELECT id FROM access_requests WHERE status = 'pending'
                        AND created_at < now() - make_interval(hours => $1) ORDER BY created_at LIMIT 1000
                        FOR UPDATE SKIP LOCKED)
           RETURNING *`,
          [REQUEST_TTL_HOURS],
        ),
      );
      for (const r of expired) {
        await this.audit.record(m, EXPIRY_ACTOR, {
          action: 'access.request.expired',
          targetType: 'access_request',
          targetId: r.id,
          data: { createdAt: r.created_at.toISOString() },
        });
      }
      return expired;
    });
    return rows.length;
  }

  /** Scope SQL of requests and grants: which rows a plain principal may read. */
  private async visibility(actor: Actor): Promise<{ all: boolean; me: string | null; accounts: string[] }> {
    return {
      all: hasRole(actor, 'admin', 'auditor'),
      me: actor.type === 'principal' ? actor.id : null,
      accounts: (await this.myAccounts(actor)).map((a) => a.id),
    };
  }

  async listRequests(
    actor: Actor,
    f: { scope?: 'mine' | 'to_approve' | 'all'; status?: RequestStatus },
    limit: number,
    cursor?: string,
  ): Promise<Page<AccessRequestResponse>> {
    const v = await this.visibility(actor);
    const mine = `(r.requester_id = $1::uuid OR r.account_id = ANY($2::uuid[]))`;
    const approver = `r.group_id IN (SELECT group_id FROM access_group_policies p
                        WHERE $1::uuid = ANY(COALESCE(p.approver_ids, p.owner_ids)))`;
    const scope =
      f.scope === 'mine'
        ? mine
        : f.scope === 'to_approve'
          ? `(${approver} AND NOT ${mine})`
          : `(${v.all} OR ${mine} OR ${approver})`;
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<RequestRow[]>(
      `SELECT r.*, ${cursorKey('r.created_at')} AS ck FROM access_requests r
       WHERE ${scope} AND ($3::text IS NULL OR r.status = $3)
         AND ($4::timestamptz IS NULL OR (r.created_at, r.id) > ($4::timestamptz, $5::uuid))
       ORDER BY r.created_at, r.id LIMIT $6`,
      [v.me, v.accounts, f.status ?? null, after?.k ?? null, after?.id ?? null, limit + 1],
    );
    const page = toPage(
      rows,
      limit,
      (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.id }),
      (r) => r,
    );
    return { items: await this.toResponses(page.items), nextCursor: page.nextCursor };
  }

  async getRequest(actor: Actor, id: string): Promise<AccessRequestResponse> {
    const [row] = await this.dataSource.query<RequestRow[]>(`SELECT * FROM access_requests WHERE id = $1`, [
      id,
    ]);
    if (!row) throw notFound('Access request');
    const v = await this.visibility(actor);
    if (
      !v.all &&
      row.requester_id !== v.me &&
      !v.accounts.includes(row.account_id) &&
      !(await this.isApprover(actor, row.group_id))
    ) {
      throw forbidden('You may read your own requests and those you approve');
    }
    return (await this.toResponses([row]))[0];
  }

  private async toResponses(rows: RequestRow[]): Promise<AccessRequestResponse[]> {
    if (rows.length === 0) return [];
    const approvals = await this.dataSource.query<ApprovalRow[]>(
      `SELECT * FROM access_request_approvals WHERE request_id = ANY($1::uuid[]) ORDER BY at, approver_id`,
      [rows.map((r) => r.id)],
    );
    const grantIds = rows.flatMap((r) => (r.grant_id ? [r.grant_id] : []));
    const grants =
      grantIds.length === 0
        ? []
        : await this.dataSource.query<GrantRow[]>(`SELECT * FROM access_grants WHERE id = ANY($1::uuid[])`, [
            grantIds,
          ]);
    const grantById = new Map(grants.map((g) => [g.id, g]));
    return rows.map((r) =>
      toRequest(
        r,
        approvals.filter((a) => a.request_id === r.id),
        r.grant_id ? grantById.get(r.grant_id) : undefined,
      ),
    );
  }

  // ---------------------------------------------------------------- grants

  async listGrants(
    actor: Actor,
    f: { status?: GrantStatus; accountId?: string; groupId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<GrantResponse>> {
    const v = await this.visibility(actor);
    // v.all is a boolean of ours, never input; $1 and $2 appear in every branch so their types are known.
    const scope = `(${v.all} OR g.account_id = ANY($2::uuid[]) OR g.group_id IN (SELECT group_id FROM access_group_policies p
           WHERE $1::uuid = ANY(COALESCE(p.approver_ids, p.owner_ids))))`;
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<GrantRow[]>(
      `SELECT g.*, ${cursorKey('g.created_at')} AS ck FROM access_grants g
       WHERE ${scope} AND ($3::text IS NULL OR g.status = $3) AND ($4::uuid IS NULL OR g.account_id = $4)
         AND ($5::uuid IS NULL OR g.group_id = $5)
         AND ($6::timestamptz IS NULL OR (g.created_at, g.id) > ($6::timestamptz, $7::uuid))
       ORDER BY g.created_at, g.id LIMIT $8`,
      [
        v.me,
        v.accounts,
        f.status ?? null,
        f.accountId ?? null,
        f.groupId ?? null,
        after?.k ?? null,
        after?.id ?? null,
        limit + 1,
      ],
    );
    return toPage(rows, limit, (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.id }), toGrant);
  }

  /** Early revoke by the beneficiary, an approver of the group or an admin. */
  async revokeGrant(actor: Actor, id: string, reason: string): Promise<GrantResponse> {
    const mine = (await this.myAccounts(actor)).map((a) => a.id);
    const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [id] };
    const row = await this.dataSource.transaction(async (m) => {
      const [g] = await m.query<GrantRow[]>(`SELECT * FROM access_grants WHERE id = $1 FOR UPDATE`, [id]);
      if (!g) throw notFound('Grant');
      if (!isAdmin(actor) && !mine.includes(g.account_id) && !(await this.isApprover(actor, g.group_id, m))) {
        throw forbidden('Only the beneficiary, an approver of the group or an admin may revoke this grant');
      }
      if (g.status !== 'active' && g.status !== 'provisioning') {
        throw new AppError('invalid_state', `The grant is ${g.status}`);
      }
      const [revoking] = returned<GrantRow>(
        await m.query(
          `UPDATE access_grants SET status = 'revoking', end_reason = 'revoked', updated_at = now() WHERE id = $1 RETURNING *`,
          [id],
        ),
      );
      // A grant whose add has not settled yet: its outcome decides (a landed add is removed then, a
      // standing member found is left alone), so no removal can overtake a standing membership.
      if (g.status === 'active') {
        after.operationIds.push(
          ...(await this.provisioning.enqueue(m, [
            this.intent(g, 'remove_member', `grant revoked: ${reason}`),
          ])),
        );
      }
      await this.audit.record(m, actor, {
        action: 'access.grant.revoked',
        targetType: 'grant',
        targetId: id,
        data: { reason, accountId: g.account_id, groupId: g.group_id },
      });
      return revoking;
    });
    await this.afterCommit(after);
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
    const ended = returned<GrantRow>(
      await m.query(
        `UPDATE access_grants SET status = 'ended', end_reason = 'revoked', ended_at = now(), updated_at = now()
         WHERE id = ANY($1::uuid[]) AND status = 'active' RETURNING *`,
        [revoked.map((r) => r.grantId)],
      ),
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

  /**
   * Revokes active grants past their expiry (all of them, or the given ones): set-wise, in batches,
   * one `remove_member` operation per grant. Called by the delayed `grant-expiry` job and by the sweep
   * in the cluster tick, so a lost Redis never leaves access in place; a grant already revoking is
   * skipped, and the operation's idempotency key makes a second enqueue a no-op anyway.
   */
  async expireDueGrants(grantIds?: string[]): Promise<number> {
    let total = 0;
    for (;;) {
      const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [] };
      const rows = await this.dataSource.transaction(async (m) => {
        const expired = returned<GrantRow>(
          await m.query(
            `UPDATE access_grants SET status = 'revoking', end_reason = 'expired', updated_at = now()
             WHERE id IN (SELECT id FROM access_grants WHERE status = 'active' AND expires_at <= now()
                            AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
                          ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING *`,
            [grantIds ?? null, EXPIRY_BATCH],
          ),
        );
        if (expired.length === 0) return expired;
        after.operationIds.push(
          ...(await this.provisioning.enqueue(
            m,
            expired.map((g) => this.intent(g, 'remove_member', 'grant expired')),
          )),
        );
        // Last, so the cluster-wide audit lock is held only from here to the commit.
        await this.audit.recordMany(
          m,
          EXPIRY_ACTOR,
          expired.map((g) => ({
            action: 'access.grant.expired',
            targetType: 'grant',
            targetId: g.id,
            data: { accountId: g.account_id, groupId: g.group_id, expiresAt: iso(g.expires_at) },
          })),
        );
        return expired;
      });
      await this.afterCommit(after);
      total += rows.length;
      if (rows.length < EXPIRY_BATCH) return total;
    }
  }

  /**
   * The delayed job of one grant revokes every grant due by now, not only its own: grants that expire
   * together (a burst of approvals a while ago) are revoked in a few set-wise transactions by the
   * first jobs to fire, and the jobs after them find theirs done. A job that fires a moment before
   * Postgres's clock reaches the expiry (the delay is computed in this process) is retried shortly
   * rather than left to the sweep.
   */
  async expireByJob(grantId: string): Promise<void> {
    // One read first: in a burst most jobs find their grant already revoked by an earlier job's batch.
    const [g] = await this.dataSource.query<{ due: boolean; early: boolean }[]>(
      `SELECT expires_at <= now() AS due, expires_at < now() + interval '10 seconds' AS early
       FROM access_grants WHERE id = $1 AND status = 'active'`,
      [grantId],
    );
    if (!g) return;
    if (g.due) {
      await this.expireDueGrants();
      return;
    }
    if (g.early) throw new Error(`grant ${grantId} is not due yet; the job retries`);
  }

  // ---------------------------------------------------------------- events

  /**
   * What one settled operation does to its grant (read under its row lock), and whether an add of
   * ours must be undone: an add that landed, or may have landed (a failure after a timeout or 5xx),
   * for a grant that no longer waits for it (revoked before it settled, ended, failed) is taken out
   * again through the outbox (ARCHITECTURE.md rule 3). An add already applied (the grant started) is
   * not applied twice (the reconcile tick may offer it again).
   */
  private settledOutcome(
    g: GrantRow,
    o: ProvisioningOperationSettledEvent,
  ): { outcome: GrantOutcome | null; undo: boolean } {
    const ok = o.status === 'succeeded';
    if (o.action === 'remove_member') {
      if (g.status !== 'revoking') return { outcome: null, undo: false };
      return { outcome: ok ? 'ended' : 'revoke_failed', undo: false };
    }
    const standing = ok && o.result === 'already_member';
    const landed = ok ? !standing : o.writeUncertain;
    // A grant that started had its add applied already (the reconcile tick may offer it again).
    if (g.status !== 'provisioning' && g.starts_at !== null) return { outcome: null, undo: false };
    switch (g.status) {
      case 'provisioning':
        if (ok) return { outcome: standing ? 'already_member' : 'activated', undo: false };
        return { outcome: 'failed', undo: landed };
      case 'revoking':
        // Revoked before its add settled: ends now unless a removal of what landed must go first.
        if (standing) return { outcome: 'already_member', undo: false };
        return { outcome: landed ? null : 'ended', undo: landed };
      case 'active':
      case 'ended':
      case 'failed':
        return { outcome: null, undo: landed };
    }
  }

  /**
   * The outcome of grants' operations, set-wise for all that settled together: `active` once JumpCloud
   * has the member (expiry counts from then), `ended` with `already_member` when JumpCloud already
   * had it from someone else, `failed` if the add was refused, `ended` once removed, and still
   * `revoking` with why if the removal was refused (for an admin to retry). Returns how many grants
   * it moved on.
   */
  @OnEvent(PROVISIONING_OPERATIONS_SETTLED, { async: true, promisify: true })
  async onOperationsSettled(e: ProvisioningOperationsSettledEvent): Promise<number> {
    const ops = e.operations.filter((o) => o.sourceType === 'grant');
    if (ops.length === 0) return 0;
    // A grant appears at most once per statement, so its operations apply in the order they settled.
    const rounds: ProvisioningOperationSettledEvent[][] = [[]];
    for (const o of ops) {
      if (rounds[rounds.length - 1].some((p) => p.sourceId === o.sourceId)) rounds.push([]);
      rounds[rounds.length - 1].push(o);
    }
    const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [] };
    const moved = await this.dataSource.transaction(async (m) => {
      const changed: { g: GrantRow; o: ProvisioningOperationSettledEvent; outcome: GrantOutcome }[] = [];
      const undone: { g: GrantRow; o: ProvisioningOperationSettledEvent; removalId: string }[] = [];
      for (const round of rounds) {
        const locked = await m.query<GrantRow[]>(
          `SELECT * FROM access_grants WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
          [round.map((o) => o.sourceId)],
        );
        const byId = new Map(locked.map((g) => [g.id, g]));
        const moves: { o: ProvisioningOperationSettledEvent; outcome: GrantOutcome }[] = [];
        const undo: { g: GrantRow; o: ProvisioningOperationSettledEvent }[] = [];
        for (const o of round) {
          const g = byId.get(o.sourceId);
          if (!g) continue;
          const d = this.settledOutcome(g, o);
          if (d.outcome) moves.push({ o, outcome: d.outcome });
          if (d.undo) undo.push({ g, o });
        }
        if (undo.length > 0) {
          // Keyed by the add's settlement, so offering the same outcome again enqueues nothing more.
          const ids = await this.provisioning.enqueue(
            m,
            undo.map(({ g, o }) =>
              this.intent(
                g,
                'remove_member',
                `undo an add that landed after grant ${g.id} stopped waiting for it`,
                `undo.${o.operationId}.${o.completedAt}`,
              ),
            ),
          );
          after.operationIds.push(...ids);
          undo.forEach((u, k) => undone.push({ ...u, removalId: ids[k] }));
        }
        if (moves.length === 0) continue;
        const rows = returned<GrantRow & { op_id: string }>(
          await m.query(
            `UPDATE access_grants g SET
               status = CASE s.outcome WHEN 'activated' THEN 'active' WHEN 'failed' THEN 'failed'
                                       WHEN 'revoke_failed' THEN g.status ELSE 'ended' END,
               end_reason = CASE WHEN s.outcome = 'already_member' THEN 'already_member' ELSE g.end_reason END,
               starts_at = CASE WHEN s.outcome = 'activated' THEN s.at ELSE g.starts_at END,
               expires_at = CASE WHEN s.outcome = 'activated' THEN s.at + make_interval(mins => g.duration_minutes)
                                 ELSE g.expires_at END,
               ended_at = CASE s.outcome WHEN 'failed' THEN now() WHEN 'activated' THEN g.ended_at
                                         WHEN 'revoke_failed' THEN g.ended_at ELSE s.at END,
               failure_reason = CASE s.outcome WHEN 'activated' THEN g.failure_reason
                                               WHEN 'failed' THEN s.reason WHEN 'revoke_failed' THEN s.reason
                                               ELSE NULL END,
               updated_at = now()
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[])
                  AS s(grant_id, op_id, outcome, at, reason)
             WHERE g.id = s.grant_id
             RETURNING g.*, s.op_id`,
            [
              moves.map((x) => x.o.sourceId),
              moves.map((x) => x.o.operationId),
              moves.map((x) => x.outcome),
              moves.map((x) => x.o.completedAt),
              moves.map((x) => `${x.o.status}: ${x.o.error ?? 'JumpCloud refused the change'}`),
            ],
          ),
        );
        const byOp = new Map(rows.map((r) => [r.op_id, r]));
        for (const { o, outcome } of moves) {
          const g = byOp.get(o.operationId);
          if (g) changed.push({ g, o, outcome });
        }
      }
      after.schedule.push(...changed.filter((c) => c.outcome === 'activated').map((c) => c.g));
      // Last, so the cluster-wide audit lock is held only from here to the commit.
      await this.audit.recordMany(m, PROVISIONING_ACTOR, [
        ...changed.map(({ g, o, outcome }) => ({
          action: `access.grant.${outcome}`,
          targetType: 'grant',
          targetId: g.id,
          data: {
            operationId: o.operationId,
            status: g.status,
            expiresAt: iso(g.expires_at),
            endReason: g.end_reason,
            error: o.error,
          },
        })),
        ...undone.map(({ g, o, removalId }) => ({
          action: 'access.grant.add_undone',
          targetType: 'grant',
          targetId: g.id,
          data: {
            operationId: o.operationId,
            removalOperationId: removalId,
            status: g.status,
            landed: o.status === 'succeeded' ? 'yes' : 'maybe',
          },
        })),
      ]);
      return changed.length;
    });
    await this.afterCommit(after);
    return moved;
  }

  /**
   * Grants still waiting on an operation that settled a while ago: the settled event was lost (the
   * process stopped between the operation's commit and its publication), so its outcome is applied
   * here. Only outcomes that move a grant on: an added member, a refused add, a removed member (a
   * refused removal stays `revoking` for an admin, and is audited once, when it happened).
   * Returns the number of grants it moved on.
   */
  async reconcileSettledGrants(): Promise<number> {
    const stuck = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM access_grants WHERE status IN ('provisioning', 'revoking')
         AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT 500`,
      [GRANT_RECONCILE_AFTER_MS / 1000],
    );
    if (stuck.length === 0) return 0;
    // An operation settled moments ago has its event on the way: only older outcomes count as lost.
    const settledBefore = Date.now() - GRANT_RECONCILE_AFTER_MS / 2;
    const settled = await this.provisioning.settledOperationsOf(
      'grant',
      stuck.map((g) => g.id),
    );
    const ops = settled.filter(
      (o) =>
        (o.action === 'add_member' || o.status === 'succeeded') && Date.parse(o.completedAt) < settledBefore,
    );
    if (ops.length === 0) return 0;
    // The handler's own status guard makes this a no-op for outcomes already applied.
    const moved = await this.onOperationsSettled({ operations: ops });
    if (moved > 0) this.logger.warn({ grants: moved }, 'applied operation outcomes whose events were lost');
    return moved;
  }

  /**
   * A grant's add had an attempt that may have landed late (it timed out or got a 5xx; the add then
   * failed, or a retry succeeded), and the next sync lists the member while the grant has ended or
   * failed: JumpCloud applied that attempt after jumpgate moved on (after the grant's removal, or
   * its undo, found nothing to remove). Unless a live grant of the same account and group now holds
   * the membership, it is taken out through the outbox (ARCHITECTURE.md rule 3: an add that lands
   * for a grant no longer waiting for it is undone). A membership someone else granted in that same
   * window cannot be told apart from it.
   */
  @OnEvent(PROVISIONING_UNCERTAIN_ADDS_LANDED, { async: true, promisify: true })
  async onUncertainAddsLanded(e: ProvisioningUncertainAddsLandedEvent): Promise<number> {
    const ops = e.operations.filter((o) => o.sourceType === 'grant' && o.action === 'add_member');
    if (ops.length === 0) return 0;
    const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [] };
    const undone = await this.dataSource.transaction(async (m) => {
      const grants = await m.query<(GrantRow & { live_other: boolean })[]>(
        `SELECT g.*, EXISTS (SELECT 1 FROM access_grants o WHERE o.group_id = g.group_id AND o.account_id = g.account_id
                               AND o.id <> g.id AND o.status = ANY($2::text[])) AS live_other
         FROM access_grants g WHERE g.id = ANY($1::uuid[]) ORDER BY g.id FOR UPDATE OF g`,
        [ops.map((o) => o.sourceId), LIVE_GRANT_STATUSES],
      );
      const targets = grants.filter(
        (g) =>
          (g.status === 'failed' || g.status === 'ended') &&
          g.end_reason !== 'already_member' &&
          !g.live_other,
      );
      if (targets.length === 0) return 0;
      const ids = await this.provisioning.enqueue(
        m,
        targets.map((g) =>
          this.intent(
            g,
            'remove_member',
            `undo an add that landed late for grant ${g.id}`,
            `late.${e.runId}`,
          ),
        ),
      );
      after.operationIds.push(...ids);
      await this.audit.recordMany(
        m,
        SYNC_ACTOR,
        targets.map((g, k) => ({
          action: 'access.grant.add_undone',
          targetType: 'grant',
          targetId: g.id,
          data: {
            operationId: ops.find((o) => o.sourceId === g.id)?.operationId ?? null,
            removalOperationId: ids[k],
            status: g.status,
            landed: 'late',
            runId: e.runId,
          },
        })),
      );
      return targets.length;
    });
    await this.afterCommit(after);
    return undone;
  }

  /** A sync saw the membership of an active grant gone: it was removed outside jumpgate. */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    const pairs = await this.directory.removedMembershipsForRun(e.runId);
    if (pairs.length === 0) return;
    const after: AfterCommit = { operationIds: [], schedule: [], unschedule: [] };
    await this.dataSource.transaction(async (m) => {
      // Only grants active before the sync started: a later add is simply not in its listing.
      const ended = returned<GrantRow>(
        await m.query(
          `UPDATE access_grants g SET status = 'ended', end_reason = 'removed_outside', ended_at = now(), updated_at = now()
           FROM unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
           WHERE g.group_id = p.group_id AND g.account_id = p.account_id AND g.status = 'active'
             AND g.starts_at < COALESCE($3::timestamptz, now())
           RETURNING g.*`,
          [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId), e.startedAt],
        ),
      );
      for (const g of ended) {
        after.unschedule.push(g.id);
        await this.audit.record(m, SYNC_ACTOR, {
          action: 'access.grant.removed_outside',
          targetType: 'grant',
          targetId: g.id,
          data: { runId: e.runId, accountId: g.account_id, groupId: g.group_id },
        });
      }
    });
    await this.afterCommit(after);
  }

  // ---------------------------------------------------------------- after commit

  private async afterCommit(after: AfterCommit): Promise<void> {
    await this.provisioning.dispatch(after.operationIds);
    // Concurrently: ioredis pipelines the commands, so hundreds of grants cost a few round trips.
    await Promise.all(after.unschedule.map((id) => this.unschedule(id)));
    await Promise.all(after.schedule.map((g) => this.scheduleExpiry(g)));
  }

  /** One delayed job per grant at its expiry; an extension moves it. The sweep covers any loss. */
  private async scheduleExpiry(g: GrantRow): Promise<void> {
    if (!g.expires_at) return;
    try {
      await this.unschedule(g.id);
      await this.queue.add(
        GRANT_EXPIRY_JOB_NAME,
        { grantId: g.id },
        {
          jobId: grantExpiryJobId(g.id),
          delay: Math.max(0, g.expires_at.getTime() - Date.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    } catch (err) {
      this.logger.warn({ err, grantId: g.id }, 'expiry job not scheduled (Redis); the sweep will revoke it');
    }
  }

  private async unschedule(grantId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(grantExpiryJobId(grantId));
      if (job) await job.remove();
    } catch (err) {
      this.logger.warn({ err, grantId }, 'expiry job not removed; it will find nothing to do');
    }
  }
}

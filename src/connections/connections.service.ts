import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import {
  type JumpCloudClient,
  type JumpCloudClientEvent,
  JumpCloudClientFactory,
  type JumpCloudCredentials,
  JumpCloudError,
} from '../jumpcloud';
import { type Actor } from '../platform/actor';
import { AppError, notFound } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { openJson, resealRow, sealJson } from '../platform/secrets/sealed-column';
import { SecretBox } from '../platform/secrets/secret-box';
import { type InsightsState, probeInsights } from './connection-insights';
import { CONNECTION_CREDENTIALS, type ConnectionRow, ConnectionsRepository } from './connections.repository';
import {
  type ConnectionResponse,
  type ConnectionTestResponse,
  type CreateConnectionDto,
  type TestConnectionDto,
  type UpdateConnectionDto,
} from './dto/connection.dto';

export { type ConnectionRow } from './connections.repository';

type TestFailureCode = 'bad_credentials' | 'wrong_org' | 'missing_permission' | 'unavailable';

/** Why a connection may not be deleted now (an active campaign, active grants), or null. */
export type ConnectionUsageCheck = (connectionId: string) => Promise<string | null>;

const FAILURE_MESSAGES: Record<TestFailureCode, string> = {
  bad_credentials: 'JumpCloud refused these credentials',
  wrong_org: 'These credentials do not reach this organisation id',
  missing_permission:
    "The credentials may not read users, groups and administrators: give the service account's role Users and Groups management",
  unavailable: 'JumpCloud could not be reached; try again later',
};

function failureCode(err: unknown): TestFailureCode {
  if (err instanceof JumpCloudError) {
    switch (err.code) {
      case 'bad_credentials':
      case 'wrong_org':
      case 'missing_permission':
        return err.code;
      case 'not_found':
      case 'rate_limited':
      case 'unavailable':
      case 'unknown':
        return 'unavailable';
    }
  }
  return 'unavailable';
}

function failureMessage(code: TestFailureCode, err: unknown): string {
  // The client's messages never carry credentials; they add which permission area failed.
  const area = err instanceof JumpCloudError && err.area ? ` (${err.area})` : '';
  return `${FAILURE_MESSAGES[code]}${code === 'missing_permission' ? area : ''}`;
}

/** A test's audit data: the outcome and its code, never the credentials. */
function testAuditData(region: 'us' | 'eu', r: ConnectionTestResponse): Record<string, unknown> {
  return { region, ok: r.ok, code: r.ok ? null : r.code, insights: r.insights };
}

function credentialsOf(dto: {
  clientId?: string;
  clientSecret?: string;
  apiKey?: string;
}): JumpCloudCredentials {
  const sa = dto.clientId !== undefined || dto.clientSecret !== undefined;
  if (dto.apiKey !== undefined && sa) {
    throw new AppError(
      'validation_failed',
      'Give either clientId and clientSecret (service account) or apiKey, not both',
    );
  }
  if (dto.apiKey !== undefined) return { type: 'api_key', apiKey: dto.apiKey };
  if (dto.clientId !== undefined && dto.clientSecret !== undefined) {
    return { type: 'service_account', clientId: dto.clientId, clientSecret: dto.clientSecret };
  }
  throw new AppError('validation_failed', 'Give clientId and clientSecret (service account) or apiKey');
}

@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);
  private readonly box: SecretBox;
  private readonly usageChecks: ConnectionUsageCheck[] = [];

  constructor(
    private readonly repo: ConnectionsRepository,
    private readonly audit: AuditService,
    private readonly clients: JumpCloudClientFactory,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.encryptionKey, config.encryptionKeyPrevious);
  }

  /** Campaigns and access register what keeps a connection from being deleted (they import us). */
  registerUsageCheck(check: ConnectionUsageCheck): void {
    this.usageChecks.push(check);
  }

  toResponse(c: ConnectionRow): ConnectionResponse {
    return {
      id: c.id,
      name: c.name,
      orgId: c.org_id,
      region: c.region,
      credentialType: c.credential_type,
      clientIdLast4: c.client_id_last4,
      syncIntervalMinutes: c.sync_interval_minutes ?? this.config.syncIntervalMinutes,
      status: c.status,
      lastSyncAt: c.last_sync_at?.toISOString() ?? null,
      createdAt: c.created_at.toISOString(),
      writeAccess: c.write_access,
      insights: c.insights,
      insightsCheckedAt: c.insights_checked_at?.toISOString() ?? null,
    };
  }

  private buildClient(
    id: string,
    orgId: string,
    region: 'us' | 'eu',
    credentials: JumpCloudCredentials,
    observe?: (e: JumpCloudClientEvent) => void,
  ): JumpCloudClient {
    return this.clients.create({
      orgId,
      region,
      credentials,
      apiUrl: this.config.jumpcloudApiUrl ?? undefined,
      tokenUrl: this.config.jumpcloudOauthTokenUrl ?? undefined,
      insightsUrl: this.config.jumpcloudInsightsUrl ?? undefined,
      connectionKey: id,
      limits: {
        maxConcurrent: this.config.jumpcloud.maxConcurrent,
        requestsPerSecond: this.config.jumpcloud.requestsPerSecond,
      },
      timeoutMs: this.config.jumpcloud.timeoutMs,
      maxAttempts: this.config.jumpcloud.maxAttempts,
      backoff: { baseMs: this.config.jumpcloud.retryBaseMs },
      onEvent: (e) => {
        observe?.(e);
        if (e.type !== 'request') this.logger.debug({ connectionId: id, ...e }, 'jumpcloud client event');
      },
    });
  }

  /**
   * Tries credentials against JumpCloud: the organisation and reads of users, groups, administrators,
   * then whether they may read Directory Insights (which a connection does without, so it never fails a test).
   */
  private async probe(
    id: string,
    orgId: string,
    region: 'us' | 'eu',
    credentials: JumpCloudCredentials,
  ): Promise<ConnectionTestResponse & { checkedAt: Date }> {
    // A throwaway key: a failed test must not poison the cached token of a live connection.
    const key = `probe-${id}-${randomUUID()}`;
    const client = this.buildClient(key, orgId, region, credentials);
    const checkedAt = new Date();
    try {
      const report = await client.checkAccess();
      const insights = await probeInsights(client, checkedAt.getTime());
      if (insights === 'unavailable')
        this.logger.warn({ orgId }, 'connection test could not read Directory Insights');
      return {
        ok: true,
        organization: { id: report.organization.id, name: report.organization.name },
        writeAccess: 'unverified',
        insights,
        checkedAt,
      };
    } catch (err) {
      const code = failureCode(err);
      if (code === 'unavailable')
        this.logger.warn({ err, orgId }, 'connection test could not reach JumpCloud');
      // Credentials that reach the organisation but lack a directory read may still read Directory
      // Insights: ask. Any other failure means no events call can succeed with them: not checked.
      const insights: InsightsState =
        code === 'missing_permission' ? await probeInsights(client, checkedAt.getTime()) : 'unavailable';
      return { ok: false, code, error: failureMessage(code, err), insights, checkedAt };
    } finally {
      this.clients.forget(key);
    }
  }

  async test(actor: Actor, dto: TestConnectionDto): Promise<ConnectionTestResponse> {
    const { checkedAt: _, ...result } = await this.probe(
      'test',
      dto.orgId,
      dto.region ?? 'us',
      credentialsOf(dto),
    );
    await this.audit.recordAlone(actor, {
      action: 'connection.tested',
      targetType: 'organization',
      targetId: dto.orgId,
      data: testAuditData(dto.region ?? 'us', result),
    });
    return result;
  }

  /** Tests a saved connection's stored credentials, and keeps what it found about Directory Insights. */
  async testSaved(actor: Actor, id: string): Promise<ConnectionTestResponse> {
    const row = await this.repo.get(id);
    if (!row) throw notFound('Connection');
    const { checkedAt, ...result } = await this.probe(id, row.org_id, row.region, this.credentialsOf(row));
    // A failed test's answer is true of the stored credentials too (they read no events now).
    await this.repo.setInsights(id, result.insights, checkedAt);
    await this.audit.recordAlone(actor, {
      action: 'connection.tested',
      targetType: 'connection',
      targetId: id,
      data: testAuditData(row.region, result),
    });
    return result;
  }

  private assertProbeOk(result: ConnectionTestResponse & { checkedAt: Date }): {
    insights: InsightsState;
    insights_checked_at: Date;
  } {
    if (!result.ok) throw new AppError(result.code, result.error);
    return { insights: result.insights, insights_checked_at: result.checkedAt };
  }

  async create(actor: Actor, dto: CreateConnectionDto): Promise<ConnectionResponse> {
    const credentials = credentialsOf(dto);
    const region = dto.region ?? 'us';
    const id = randomUUID();
    const insights = this.assertProbeOk(await this.probe(id, dto.orgId, region, credentials));
    return this.dataSource.transaction(async (m) => {
      const row = await this.repo.insert(m, {
        id,
        name: dto.name,
        org_id: dto.orgId.toLowerCase(),
        region,
        credential_type: credentials.type,
        client_id_last4: credentials.type === 'service_account' ? credentials.clientId.slice(-4) : null,
        credentials: sealJson(this.box, credentials, id),
        sync_interval_minutes: dto.syncIntervalMinutes ?? null,
        ...insights,
      });
      await this.audit.record(m, actor, {
        action: 'connection.created',
        targetType: 'connection',
        targetId: id,
        data: { name: row.name, orgId: row.org_id, region, credentialType: credentials.type },
      });
      return this.toResponse(row);
    });
  }

  async list(_actor: Actor, limit: number, cursor?: string): Promise<Page<ConnectionResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.list(ks), (r) => this.toResponse(r));
  }

  async get(_actor: Actor, id: string): Promise<ConnectionResponse> {
    const row = await this.repo.get(id);
    if (!row) throw notFound('Connection');
    return this.toResponse(row);
  }

  async update(actor: Actor, id: string, dto: UpdateConnectionDto): Promise<ConnectionResponse> {
    const current = await this.repo.get(id);
    if (!current) throw notFound('Connection');
    let credentials: JumpCloudCredentials | null = null;
    let insights: ReturnType<ConnectionsService['assertProbeOk']> | null = null;
    if (dto.apiKey !== undefined || dto.clientId !== undefined || dto.clientSecret !== undefined) {
      // Rotating only the secret keeps the stored client id.
      const clientId =
        dto.clientId ??
        (dto.clientSecret !== undefined && current.credential_type === 'service_account'
          ? (this.credentialsOf(current) as { clientId: string }).clientId
          : undefined);
      credentials = credentialsOf({ clientId, clientSecret: dto.clientSecret, apiKey: dto.apiKey });
      // New credentials must reach the same organisation: the probe is bound to the stored org id.
      insights = this.assertProbeOk(await this.probe(id, current.org_id, current.region, credentials));
    }
    const updated = await this.dataSource.transaction(async (m) => {
      const locked = await this.repo.get(id, m, true);
      if (!locked) throw notFound('Connection');
      const patch: Parameters<ConnectionsRepository['update']>[2] = {};
      const changes: Record<string, unknown> = {};
      if (dto.name !== undefined && dto.name !== locked.name) {
        patch.name = dto.name;
        changes.name = { from: locked.name, to: dto.name };
      }
      if (dto.syncIntervalMinutes !== undefined && dto.syncIntervalMinutes !== locked.sync_interval_minutes) {
        patch.sync_interval_minutes = dto.syncIntervalMinutes;
        changes.syncIntervalMinutes = { from: locked.sync_interval_minutes, to: dto.syncIntervalMinutes };
      }
      if (credentials) {
        patch.credential_type = credentials.type;
        patch.client_id_last4 =
          credentials.type === 'service_account' ? credentials.clientId.slice(-4) : null;
        patch.credentials = sealJson(this.box, credentials, id);
        patch.write_access = 'unverified';
        if (insights) Object.assign(patch, insights);
        changes.credentials = { rotated: true, credentialType: credentials.type };
      }
      if (Object.keys(patch).length === 0) return locked;
      const row = await this.repo.update(m, id, patch);
      await this.audit.record(m, actor, {
        action: 'connection.updated',
        targetType: 'connection',
        targetId: id,
        data: { changes },
      });
      return row;
    });
    if (credentials) this.clients.forget(id);
    return this.toResponse(updated);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const current = await this.repo.get(id);
    if (!current) throw notFound('Connection');
    for (const check of this.usageChecks) {
      const reason = await check(id);
      if (reason) throw new AppError('connection_in_use', reason);
    }
    await this.dataSource.transaction(async (m) => {
      await this.repo.markDeleted(m, id);
      await this.audit.record(m, actor, {
        action: 'connection.deleted',
        targetType: 'connection',
        targetId: id,
        data: { name: current.name, orgId: current.org_id },
      });
    });
    this.clients.forget(id);
  }

  private credentialsOf(row: ConnectionRow): JumpCloudCredentials {
    if (!row.credentials) throw notFound('Connection');
    let opened: { value: JumpCloudCredentials; stale: boolean };
    try {
      opened = openJson<JumpCloudCredentials>(this.box, row.credentials, row.id);
    } catch {
      // Not worth retrying: the configured keys cannot open it (ENCRYPTION_KEY changed without _PREVIOUS).
      throw new AppError(
        'invalid_state',
        'The stored credentials cannot be decrypted with the configured ENCRYPTION_KEY',
      );
    }
    if (opened.stale) {
      // Sealed under ENCRYPTION_KEY_PREVIOUS: reseal under the current key as we go.
      void this.dataSource
        .transaction((m) => resealRow(m, this.box, CONNECTION_CREDENTIALS, row.id))
        .catch((err: unknown) => this.logger.warn({ err, connectionId: row.id }, 'credentials not resealed'));
    }
    return opened.value;
  }

  // ---- for the modules that use connections (directory, provisioning)

  /** A JumpCloud client for a live connection; every caller shares its limits and token cache. */
  async clientFor(
    connectionId: string,
    observe?: (e: JumpCloudClientEvent) => void,
  ): Promise<JumpCloudClient> {
    const row = await this.repo.get(connectionId);
    if (!row) throw notFound('Connection');
    return this.clientForRow(row, observe);
  }

  /** The same for a row the caller has just read (getRow), once for many operations of the connection. */
  clientForRow(row: ConnectionRow, observe?: (e: JumpCloudClientEvent) => void): JumpCloudClient {
    return this.buildClient(row.id, row.org_id, row.region, this.credentialsOf(row), observe);
  }

  async getRow(connectionId: string): Promise<ConnectionRow | null> {
    return this.repo.get(connectionId);
  }

  async listLive(): Promise<ConnectionRow[]> {
    return this.repo.listLive();
  }

  /** The sync period in minutes (0 = off). */
  syncIntervalOf(row: ConnectionRow): number {
    return row.sync_interval_minutes ?? this.config.syncIntervalMinutes;
  }

  async recordSyncOutcome(connectionId: string, ok: boolean, error: string | null, at?: Date): Promise<void> {
    await this.repo.setStatus(connectionId, ok ? 'ok' : 'error', ok ? null : error, at);
  }

  async recordWriteAccess(connectionId: string, access: 'verified' | 'denied'): Promise<void> {
    await this.repo.setWriteAccess(connectionId, access);
  }
}

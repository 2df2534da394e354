import { Injectable, type OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { ConnectionsService } from '../../connections/connections.service';
import { type Actor } from '../../platform/actor';
import { Keyset } from '../../platform/database/keyset';
import { AppError, notFound } from '../../platform/http/app-error';
import { type Page } from '../../platform/http/pagination';
import { CampaignsRepository } from '../campaigns.repository';
import { CampaignsService, type CheckedCampaignBody } from '../campaigns.service';
import {
  type CampaignResponse,
  DEFAULT_INACTIVE_DAYS,
  DEFAULT_MAX_REVOKE_SHARE_PER_GROUP,
  DEFAULT_MAX_REVOKES_PER_CLOSE,
} from '../dto/campaign.dto';
import { EMPTY_PROGRESS, toCampaignResponse } from '../dto/campaign.mapper';
import { CampaignTemplatesRepository, type TemplateChanges } from './campaign-templates.repository';
import {
  type CampaignTemplateResponse,
  CreateCampaignTemplateDto,
  type UpdateCampaignTemplateDto,
} from './dto/campaign-template.dto';
import {
  scheduleOf,
  type TemplateCampaignBody,
  type TemplateRow,
  toTemplateResponse,
} from './dto/campaign-template.mapper';
import { duePeriod, launchFromAt } from './template-period.policy';

// The dueAt checkBody wants while a template is checked: any future moment (each period sets its own).
const CHECK_DUE_AT_MS = 86_400_000;

/**
 * Campaign templates (API.md "Campaigns that run themselves"): create, list, read, change and delete
 * them, and list the campaigns each made. TemplateLaunchesService makes those campaigns.
 */
@Injectable()
export class CampaignTemplatesService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: CampaignTemplatesRepository,
    private readonly campaigns: CampaignsService,
    private readonly campaignRows: CampaignsRepository,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    // A template's campaigns would launch over a connection that no longer exists.
    this.connections.registerUsageCheck(async (connectionId) => {
      const n = await this.templates.countLiveForConnection(connectionId);
      return n > 0 ? `The connection has ${n} campaign template(s); delete them first` : null;
    });
  }

  async create(actor: Actor, dto: CreateCampaignTemplateDto): Promise<CampaignTemplateResponse> {
    const campaign = await this.checkedBody(dto);
    const now = new Date();
    const schedule = { everyMonths: dto.schedule.everyMonths, dayOfMonth: dto.schedule.dayOfMonth ?? 1 };
    const row = await this.dataSource.transaction(async (m) => {
      const t = await this.templates.insert(m, {
        connectionId: dto.connectionId,
        name: dto.name,
        campaign,
        ...schedule,
        durationDays: dto.durationDays,
        mode: dto.mode ?? 'full',
        launchFrom: launchFromAt(schedule, now, now, 'created'),
        createdBy: actor.type === 'principal' ? actor.id : null,
        createdAt: now,
      });
      await this.audit.record(m, actor, {
        action: 'campaign_template.created',
        targetType: 'campaign_template',
        targetId: t.id,
        data: { name: t.name, connectionId: t.connection_id, schedule: scheduleOf(t), mode: t.mode },
      });
      return t;
    });
    return toTemplateResponse(row, false, now);
  }

  async list(_actor: Actor, limit: number, cursor?: string): Promise<Page<CampaignTemplateResponse>> {
    const ks = Keyset.from(cursor, limit);
    const page = ks.page(await this.templates.list(ks), (r) => r);
    const now = new Date();
    const made = await this.madeDuePeriods(page.items, now);
    return {
      items: page.items.map((t) => toTemplateResponse(t, made.has(t.id), now)),
      nextCursor: page.nextCursor,
    };
  }

  async get(_actor: Actor, id: string): Promise<CampaignTemplateResponse> {
    const t = await this.templates.getLive(id);
    const now = new Date();
    return toTemplateResponse(t, (await this.madeDuePeriods([t], now)).has(t.id), now);
  }

  /**
   * Changes what is given; lists and objects are replaced whole, and the result is checked as a
   * create would be. A changed schedule applies from its next period start: the period in progress
   * at the change is not launched again under the new schedule.
   */
  async update(actor: Actor, id: string, dto: UpdateCampaignTemplateDto): Promise<CampaignTemplateResponse> {
    const current = await this.templates.getLive(id);
    const given = definedOnly(dto);
    const { schedule: newSchedule, durationDays, mode, name, ...fields } = given;
    const merged = plainToInstance(CreateCampaignTemplateDto, {
      ...current.campaign,
      ...fields,
      connectionId: current.connection_id,
      name: name ?? current.name,
      schedule: { ...scheduleOf(current), ...newSchedule },
      durationDays: durationDays ?? current.duration_days,
      mode: mode ?? current.mode,
    });
    const errors = messagesOf(await validate(merged, { whitelist: true }));
    if (errors.length > 0) throw new AppError('validation_failed', errors.join('; '));
    const campaign = await this.checkedBody(merged);
    const now = new Date();
    const row = await this.dataSource.transaction(async (m) => {
      const t = await this.templates.getLive(id, m, true);
      const schedule = {
        everyMonths: merged.schedule.everyMonths,
        dayOfMonth: merged.schedule.dayOfMonth ?? 1,
      };
      const scheduleChanged =
        schedule.everyMonths !== t.every_months || schedule.dayOfMonth !== t.day_of_month;
      const changes: TemplateChanges = {
        name: merged.name,
        campaign,
        ...schedule,
        durationDays: merged.durationDays,
        mode: merged.mode ?? 'full',
        launchFrom: scheduleChanged
          ? launchFromAt(schedule, t.created_at, now, 'schedule_changed')
          : t.launch_from,
      };
      const updated = await this.templates.update(m, id, changes);
      await this.audit.record(m, actor, {
        action: 'campaign_template.updated',
        targetType: 'campaign_template',
        targetId: id,
        data: { fields: Object.keys(given).sort(), scheduleChanged },
      });
      return updated;
    });
    return toTemplateResponse(row, (await this.madeDuePeriods([row], now)).has(row.id), now);
  }

  /** Stops future campaigns; past ones stay, still listed under the template's id. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const t = await this.templates.getLive(id, m, true);
      await this.templates.markDeleted(m, id);
      await this.audit.record(m, actor, {
        action: 'campaign_template.deleted',
        targetType: 'campaign_template',
        targetId: id,
        data: { name: t.name },
      });
    });
  }

  /** The campaigns a template made, oldest first; answered for a deleted template too. */
  async campaignsOf(
    _actor: Actor,
    id: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<CampaignResponse>> {
    if (!(await this.templates.exists(id))) throw notFound('Campaign template');
    const ks = Keyset.from(cursor, limit);
    const page = ks.page(await this.templates.campaignsOf(id, ks), (r) => r);
    const progress = await this.campaignRows.progressOf(page.items.map((c) => c.id));
    return {
      items: page.items.map((c) => toCampaignResponse(c, progress.get(c.id) ?? EMPTY_PROGRESS)),
      nextCursor: page.nextCursor,
    };
  }

  // ---------------------------------------------------------------- helpers

  /** The campaign body a template stores, checked by the rules of `POST /campaigns`, defaults filled in. */
  private async checkedBody(dto: CreateCampaignTemplateDto): Promise<TemplateCampaignBody> {
    const checked: CheckedCampaignBody = await this.campaigns.checkBody({
      ...dto,
      dueAt: new Date(Date.now() + CHECK_DUE_AT_MS).toISOString(),
    });
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the template's own fields, not the campaign's
    const { connectionId, name, schedule, durationDays, mode, ...campaign } = dto;
    return {
      ...campaign,
      description: dto.description ?? null,
      scope: {
        groupIds: checked.groupIds,
        applicationIds: checked.applicationIds,
        administrators: dto.scope.administrators ?? false,
      },
      reviewerIds: checked.reviewerIds,
      fallbackReviewerIds: checked.fallbackIds,
      reminders: {
        daysBeforeDue: dto.reminders?.daysBeforeDue ?? [7, 3, 1],
        overdueEveryDays: dto.reminders?.overdueEveryDays ?? 1,
      },
      closeAfterDueDays: dto.closeAfterDueDays ?? 0,
      escalateAfterDays: dto.escalateAfterDays ?? 3,
      maxSyncAgeHours: dto.maxSyncAgeHours ?? 24,
      maxRevokeSharePerGroup: dto.maxRevokeSharePerGroup ?? DEFAULT_MAX_REVOKE_SHARE_PER_GROUP,
      maxRevokesPerClose: dto.maxRevokesPerClose ?? DEFAULT_MAX_REVOKES_PER_CLOSE,
      inactiveDays: dto.inactiveDays ?? DEFAULT_INACTIVE_DAYS,
    };
  }

  /** The templates among `rows` whose period due now already has its campaign. */
  private async madeDuePeriods(rows: TemplateRow[], now: Date): Promise<Set<string>> {
    const pairs = rows.flatMap((t) => {
      const due = duePeriod(scheduleOf(t), t.created_at, t.launch_from, now);
      return due ? [{ templateId: t.id, period: due.key }] : [];
    });
    const made = await this.templates.madePeriods(pairs);
    return new Set(pairs.filter((p) => made.has(`${p.templateId} ${p.period}`)).map((p) => p.templateId));
  }
}

/** The fields a request gave (a DTO instance declares the others as undefined). */
function definedOnly<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** class-validator's messages, nested ones with their path (`schedule.everyMonths ...`). */
function messagesOf(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((msg) => (prefix ? `${prefix}${msg}` : msg)),
    ...messagesOf(e.children ?? [], `${prefix}${e.property}.`),
  ]);
}

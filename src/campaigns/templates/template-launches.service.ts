import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource } from 'typeorm';
import { ConnectionsService } from '../../connections/connections.service';
import { DirectorySyncService } from '../../directory/directory-sync.service';
import { NotificationsService } from '../../notifications/notifications.service';
import { systemActor } from '../../platform/actor';
import { AppError } from '../../platform/http/app-error';
import { ClusterTickService } from '../../platform/scheduling/cluster-tick.service';
import { CAMPAIGN_TEMPLATES_TICK } from '../campaigns.schedule';
import { CampaignsService } from '../campaigns.service';
import { CreateCampaignDto } from '../dto/campaign.dto';
import { type CampaignRow } from '../dto/campaign.mapper';
import { CampaignTemplatesRepository } from './campaign-templates.repository';
import { scheduleOf, type TemplateRow } from './dto/campaign-template.mapper';
import { duePeriod, type TemplatePeriod } from './template-period.policy';

const TEMPLATE_ACTOR = systemActor('campaign-template');
// A stale scheduled launch asks for a sync at most this often (a failing sync is not hammered).
const SYNC_REQUEST_EVERY_MS = 10 * 60_000;

/**
 * The template tick (API.md "Campaigns that run themselves"): each template's period in progress gets
 * its campaign once (UNIQUE (template_id, period) holds whatever the workers, restarts or Redis), and
 * that campaign launches through the same gate as an admin's launch. Over a stale directory it stays
 * a draft: the tick asks for a sync, tells the admins once per period (`campaign_launch_failed`), and
 * tries again at its next run.
 */
@Injectable()
export class TemplateLaunchesService implements OnModuleInit {
  private readonly logger = new Logger(TemplateLaunchesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: CampaignTemplatesRepository,
    private readonly campaigns: CampaignsService,
    private readonly connections: ConnectionsService,
    private readonly syncs: DirectorySyncService,
    private readonly notifications: NotificationsService,
    private readonly tick: ClusterTickService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: CAMPAIGN_TEMPLATES_TICK.name,
      periodMs: () => CAMPAIGN_TEMPLATES_TICK.periodMs,
      run: () => this.launchDue(),
    });
  }

  /** Every live template's due period: made, then launched (or deferred while the directory is stale). */
  async launchDue(now = new Date()): Promise<void> {
    const live = (await this.connections.listLive()).map((c) => c.id);
    const due = (await this.templates.listLiveFor(live)).flatMap((t) => {
      const period = duePeriod(scheduleOf(t), t.created_at, t.launch_from, now);
      return period ? [{ t, period }] : [];
    });
    // One statement leaves out the periods already done: an idle tick is three queries, however many templates.
    const done = await this.templates.madePeriods(
      due.map(({ t, period }) => ({ templateId: t.id, period: period.key })),
      { pastDraft: true },
    );
    for (const { t, period } of due) {
      if (done.has(`${t.id} ${period.key}`)) continue;
      try {
        await this.launchPeriod(t, period, now);
      } catch (err) {
        // One template's trouble (a database error) must not hold up the others.
        this.logger.error({ err, templateId: t.id, period: period.key }, 'template launch failed');
      }
    }
  }

  private async launchPeriod(t: TemplateRow, period: TemplatePeriod, now: Date): Promise<void> {
    let c = await this.templates.periodCampaign(t.id, period.key);
    if (!c) {
      const made = await this.makeCampaign(t, period, now);
      if (typeof made === 'string') return this.failed(t, period, null, made);
      c = made;
    }
    // Launched, or cancelled by an admin: the period is done.
    if (c.status !== 'draft') return;
    try {
      await this.campaigns.launch(TEMPLATE_ACTOR, c.id);
      this.logger.log(
        { templateId: t.id, campaignId: c.id, period: period.key },
        'template campaign launching',
      );
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'stale_directory')) throw err;
      await this.requestSync(t, now);
      await this.failed(t, period, c, err.message);
    }
  }

  /**
   * The period's draft, built from the template's stored body and checked as `POST /campaigns` is;
   * the reason as a string when today's directory or principals no longer allow it.
   */
  private async makeCampaign(
    t: TemplateRow,
    period: TemplatePeriod,
    now: Date,
  ): Promise<CampaignRow | string> {
    const dto = plainToInstance(CreateCampaignDto, {
      ...t.campaign,
      connectionId: t.connection_id,
      name: `${t.name} ${period.key}`,
      // The template's mode becomes its campaigns' (a delta template reviews only what changed).
      mode: t.mode,
      // The launch restarts it from its own moment (LaunchGateService).
      dueAt: new Date(now.getTime() + t.duration_days * 86_400_000).toISOString(),
    });
    const invalid = await validate(dto, { whitelist: true });
    if (invalid.length > 0)
      return `the template no longer makes a valid campaign: ${invalid.map((e) => e.property).join(', ')}`;
    let checked;
    try {
      checked = await this.campaigns.checkBody(dto);
    } catch (err) {
      if (err instanceof AppError) return err.message;
      throw err;
    }
    return this.dataSource.transaction(async (m) => {
      // Locked: a template deleted meanwhile makes nothing; a period already made is returned as is.
      await this.templates.getLive(t.id, m, true);
      const existing = await this.templates.periodCampaign(t.id, period.key, m);
      if (existing) return existing;
      const c = await this.campaigns.insertChecked(m, TEMPLATE_ACTOR, dto, checked, {
        templateId: t.id,
        period: period.key,
      });
      return this.templates.linkCampaign(m, c.id, t.id, period.key);
    });
  }

  /** Asks for a sync of the template's connection, at most once per SYNC_REQUEST_EVERY_MS. */
  private async requestSync(t: TemplateRow, now: Date): Promise<void> {
    if (t.sync_requested_at && now.getTime() - t.sync_requested_at.getTime() < SYNC_REQUEST_EVERY_MS) return;
    await this.templates.markSyncRequested(t.id);
    const run = await this.syncs.trigger(TEMPLATE_ACTOR, t.connection_id, 'scheduled');
    this.logger.warn({ templateId: t.id, runId: run.id }, 'template campaign waits for a fresh sync');
  }

  /**
   * `campaign_launch_failed` to the admins, keyed by template and period so that one period tells
   * them once however many ticks it takes (API.md "Notifications").
   */
  private async failed(
    t: TemplateRow,
    period: TemplatePeriod,
    c: CampaignRow | null,
    error: string,
  ): Promise<void> {
    const ids = await this.dataSource.transaction((m) =>
      this.notifications.notify(m, {
        kind: 'campaign_launch_failed',
        recipients: { admins: true },
        subject: { type: 'campaign_template', id: t.id },
        period: period.key,
        data: {
          campaignName: c?.name ?? `${t.name} ${period.key}`,
          templateId: t.id,
          period: period.key,
          campaignId: c?.id ?? null,
          error,
        },
        links: c
          ? { ui: `/admin/campaigns/${c.id}`, api: `/api/v1/campaigns/${c.id}` }
          : { ui: `/admin/templates/${t.id}`, api: `/api/v1/campaign-templates/${t.id}` },
      }),
    );
    await this.notifications.dispatch(ids);
  }
}

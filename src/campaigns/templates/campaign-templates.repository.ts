import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../../platform/database/keyset';
import { returned } from '../../platform/database/sql';
import { notFound } from '../../platform/http/app-error';
import { type CampaignRow } from '../dto/campaign.mapper';
import { type TemplateMode } from './dto/campaign-template.dto';
import { type TemplateCampaignBody, type TemplateRow } from './dto/campaign-template.mapper';

export interface NewTemplate {
  connectionId: string;
  name: string;
  campaign: TemplateCampaignBody;
  everyMonths: number;
  dayOfMonth: number;
  durationDays: number;
  mode: TemplateMode;
  launchFrom: Date;
  createdBy: string | null;
  createdAt: Date;
}

export type TemplateChanges = Pick<
  NewTemplate,
  'name' | 'campaign' | 'everyMonths' | 'dayOfMonth' | 'durationDays' | 'mode' | 'launchFrom'
>;

/** The SQL of `campaign_templates`, and of the campaigns they made (`campaigns.template_id`, `period`). */
@Injectable()
export class CampaignTemplatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  private db(m?: EntityManager): EntityManager {
    return m ?? this.dataSource.manager;
  }

  async insert(m: EntityManager, t: NewTemplate): Promise<TemplateRow> {
    const [row] = await m.query<TemplateRow[]>(
      `INSERT INTO campaign_templates (connection_id, name, campaign, every_months, day_of_month, duration_days,
         mode, launch_from, created_by, created_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
      [
        t.connectionId,
        t.name,
        JSON.stringify(t.campaign),
        t.everyMonths,
        t.dayOfMonth,
        t.durationDays,
        t.mode,
        t.launchFrom.toISOString(),
        t.createdBy,
        t.createdAt.toISOString(),
      ],
    );
    return row;
  }

  async update(m: EntityManager, id: string, t: TemplateChanges): Promise<TemplateRow> {
    const [row] = returned<TemplateRow>(
      await m.query(
        `UPDATE campaign_templates SET name = $2, campaign = $3::jsonb, every_months = $4, day_of_month = $5,
           duration_days = $6, mode = $7, launch_from = $8, updated_at = clock_timestamp()
         WHERE id = $1 RETURNING *`,
        [
          id,
          t.name,
          JSON.stringify(t.campaign),
          t.everyMonths,
          t.dayOfMonth,
          t.durationDays,
          t.mode,
          t.launchFrom.toISOString(),
        ],
      ),
    );
    return row;
  }

  async markDeleted(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE campaign_templates SET deleted_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`,
      [id],
    );
  }

  /**
   * A live template (locked with `lock`); not_found when there is none or it was deleted. The lock is
   * FOR NO KEY UPDATE, not FOR UPDATE: it still serialises changes, deletes and period launches of one
   * template, but lets through the KEY SHARE lock of the foreign key check on `campaigns.template_id`.
   * A launch job updates its campaign twice after taking the audit lock, and its second update checks
   * that key: under FOR UPDATE it waited for a PATCH that waited for the audit lock (a deadlock: a 500
   * on PATCH, or a period's campaign rolled back).
   */
  async getLive(id: string, m?: EntityManager, lock = false): Promise<TemplateRow> {
    const [t] = await this.db(m).query<TemplateRow[]>(
      `SELECT * FROM campaign_templates WHERE id = $1 AND deleted_at IS NULL ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    if (!t) throw notFound('Campaign template');
    return t;
  }

  /** Whether a template with this id ever existed (its past campaigns outlive it). */
  async exists(id: string): Promise<boolean> {
    const rows = await this.db().query<unknown[]>(`SELECT 1 FROM campaign_templates WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /** One page (limit + 1 rows) of live templates in creation order, each with its cursor key `ck`. */
  async list(ks: Keyset): Promise<TemplateRow[]> {
    return this.db().query<TemplateRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM campaign_templates
       WHERE deleted_at IS NULL AND ${ks.after(1)} ORDER BY created_at, id LIMIT $3`,
      ks.params,
    );
  }

  /** Every live template of the given connections (the tick's work list). */
  async listLiveFor(connectionIds: string[]): Promise<TemplateRow[]> {
    return this.db().query<TemplateRow[]>(
      `SELECT * FROM campaign_templates WHERE deleted_at IS NULL AND connection_id = ANY($1::uuid[])
       ORDER BY created_at, id`,
      [connectionIds],
    );
  }

  async countLiveForConnection(connectionId: string): Promise<number> {
    const [{ n }] = await this.db().query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM campaign_templates WHERE connection_id = $1 AND deleted_at IS NULL`,
      [connectionId],
    );
    return n;
  }

  async markSyncRequested(id: string): Promise<void> {
    await this.db().query(
      `UPDATE campaign_templates SET sync_requested_at = clock_timestamp() WHERE id = $1`,
      [id],
    );
  }

  // ---------------------------------------------------------------- the campaigns templates made

  /** The campaign of a template's period, if it was made. */
  async periodCampaign(templateId: string, period: string, m?: EntityManager): Promise<CampaignRow | null> {
    const [c] = await this.db(m).query<CampaignRow[]>(
      `SELECT * FROM campaigns WHERE template_id = $1 AND period = $2`,
      [templateId, period],
    );
    return c ?? null;
  }

  /**
   * Which of these (template, period) pairs have their campaign, as `templateId period` strings;
   * `pastDraft`: only those whose campaign left draft (launched, or cancelled: the period is done).
   */
  async madePeriods(
    pairs: { templateId: string; period: string }[],
    opts: { pastDraft?: boolean } = {},
  ): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = await this.db().query<{ k: string }[]>(
      `SELECT template_id || ' ' || period AS k FROM campaigns
       WHERE (template_id, period) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))
         AND (NOT $3 OR status <> 'draft')`,
      [pairs.map((p) => p.templateId), pairs.map((p) => p.period), opts.pastDraft === true],
    );
    return new Set(rows.map((r) => r.k));
  }

  /** Marks a new campaign as the template's campaign of that period (UNIQUE: a period has one). */
  async linkCampaign(
    m: EntityManager,
    campaignId: string,
    templateId: string,
    period: string,
  ): Promise<CampaignRow> {
    const [row] = returned<CampaignRow>(
      await m.query(`UPDATE campaigns SET template_id = $2, period = $3 WHERE id = $1 RETURNING *`, [
        campaignId,
        templateId,
        period,
      ]),
    );
    return row;
  }

  /** A template's campaign starting to launch is due `durationDays` from now (API.md). */
  async restartDueAt(m: EntityManager, campaignId: string): Promise<void> {
    await m.query(
      `UPDATE campaigns c SET due_at = clock_timestamp() + make_interval(secs => t.duration_days * 86400)
       FROM campaign_templates t WHERE c.id = $1 AND t.id = c.template_id`,
      [campaignId],
    );
  }

  /** One page of a template's campaigns (deleted templates' too), oldest first. */
  async campaignsOf(templateId: string, ks: Keyset): Promise<CampaignRow[]> {
    return this.db().query<CampaignRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM campaigns
       WHERE template_id = $1 AND ${ks.after(2)} ORDER BY created_at, id LIMIT $4`,
      [templateId, ...ks.params],
    );
  }
}

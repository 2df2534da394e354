import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConnectionsService } from '../connections/connections.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { type CampaignRow } from './dto/campaign.mapper';
import { type Freshness, freshness, staleMessage } from './launch-freshness.policy';
import { CampaignTemplatesRepository } from './templates/campaign-templates.repository';

/**
 * What a campaign passes on its way from draft to launching, whoever launches it (an admin, or the
 * template tick): the freshness gate (API.md, `stale_directory` unless forced, a forced launch
 * audited with the sync's age), and a template's campaign's dueAt counted from this launch.
 */
@Injectable()
export class LaunchGateService {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly templates: CampaignTemplatesRepository,
    private readonly audit: AuditService,
  ) {}

  async freshnessOf(c: Pick<CampaignRow, 'connection_id' | 'max_sync_age_hours'>): Promise<Freshness> {
    const connection = await this.connections.getRow(c.connection_id);
    return freshness(connection?.last_sync_at ?? null, c.max_sync_age_hours, new Date());
  }

  /** Inside the launch's transaction, with the campaign locked; throws stale_directory unless forced. */
  async admit(m: EntityManager, actor: Actor, c: CampaignRow, force: boolean): Promise<void> {
    const f = await this.freshnessOf(c);
    if (f.stale && !force) throw new AppError('stale_directory', staleMessage(f));
    if (f.stale) {
      await this.audit.record(m, actor, {
        action: 'campaign.launch_forced',
        targetType: 'campaign',
        targetId: c.id,
        data: {
          lastSyncAt: f.lastSyncAt?.toISOString() ?? null,
          syncAgeHours: f.syncAgeHours === null ? null : Math.round(f.syncAgeHours * 100) / 100,
          maxSyncAgeHours: f.maxSyncAgeHours,
        },
      });
    }
    if (c.template_id) await this.templates.restartDueAt(m, c.id);
  }
}

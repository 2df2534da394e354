import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { DirectoryService } from '../directory/directory.service';
import { systemActor } from '../platform/actor';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { type CampaignRow } from './dto/campaign.mapper';
import { CampaignNotifications } from './campaign-notifications';
import { escalationDue, reminderAt, reminderSettings } from './campaign-reminder.policy';
import { CAMPAIGNS_REMINDERS_TICK } from './campaigns.schedule';
import { ReviewDigestsRepository } from './review-digests.repository';
import { ReviewEscalationsRepository } from './review-escalations.repository';

const ESCALATION_ACTOR = systemActor('campaign-escalation');

/**
 * Review reminders, overdue reminders and escalation (API.md), from the cluster tick: each active
 * campaign's reminder in force (campaign-reminder.policy.ts) goes out once as one digest per reviewer
 * with pending items; escalation reassigns pending items once, escalateAfterDays after dueAt.
 */
@Injectable()
export class CampaignRemindersService implements OnModuleInit {
  private readonly logger = new Logger(CampaignRemindersService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: ReviewEscalationsRepository,
    private readonly digests: ReviewDigestsRepository,
    private readonly notices: CampaignNotifications,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly directory: DirectoryService,
    private readonly tick: ClusterTickService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: CAMPAIGNS_REMINDERS_TICK.name,
      periodMs: () => CAMPAIGNS_REMINDERS_TICK.periodMs,
      run: () => this.run(),
    });
  }

  async run(now = new Date()): Promise<void> {
    for (const c of await this.repo.listActive()) {
      const s = reminderSettings(c);
      if (escalationDue(s, now) && !c.escalated_at) await this.escalate(c);
      const due = reminderAt(s, now);
      if (due && due.period !== c.reminded_period) await this.remind(c.id, due.kind, due.period);
    }
  }

  private async remind(
    id: string,
    kind: 'review_reminder' | 'review_overdue',
    period: string,
  ): Promise<void> {
    const ids = await this.dataSource.transaction(async (m) => {
      const c = await this.repo.lockActive(m, id);
      if (!c || c.reminded_period === period) return [];
      await this.digests.setRemindedPeriod(m, id, period);
      return this.notices.reminder(m, c, kind, period);
    });
    await this.notices.dispatch(ids);
  }

  /** Each reviewer's manager's principal (created when missing, as a launch does), or null. */
  private async managerOf(c: CampaignRow, email: string): Promise<{ id: string; email: string } | null> {
    const own = (await this.directory.accountsForEmail(email)).find(
      (a) => a.connectionId === c.connection_id && a.kind === 'user',
    );
    if (!own) return null;
    const [account] = await this.directory.accountsByIds([own.id]);
    if (!account?.managerAccountId) return null;
    const [manager] = await this.directory.accountsByIds([account.managerAccountId]);
    if (!manager?.email) return null;
    const p = await this.auth.ensurePrincipalForEmail(ESCALATION_ACTOR, manager.email, manager.displayName);
    return p.disabled ? null : { id: p.id, email: p.email };
  }

  private async escalate(c: CampaignRow): Promise<void> {
    const reviewers = await this.repo.pendingReviewers(c.id);
    const targets: { from: string; to: string | null; toEmail: string | null }[] = [];
    for (const r of reviewers) {
      const to = await this.managerOf(c, r.email);
      targets.push({ from: r.id, to: to?.id ?? null, toEmail: to?.email ?? null });
    }
    const fallbacks = (await this.auth.principalRowsByIds(c.fallback_reviewer_ids))
      .filter((p) => !p.disabled)
      .map((p) => ({ id: p.id, email: p.email }));
    const ids = await this.dataSource.transaction(async (m) => {
      const locked = await this.repo.lockActive(m, c.id);
      if (!locked || locked.escalated_at) return [];
      const moves = await this.repo.reassignPending(m, c.id, targets, fallbacks);
      await this.repo.markEscalated(m, c.id);
      await this.audit.record(m, ESCALATION_ACTOR, {
        action: 'campaign.escalated',
        targetType: 'campaign',
        targetId: c.id,
        data: {
          escalateAfterDays: c.escalate_after_days,
          moves: moves.map((x) => ({ from: x.from_id, to: x.to_id, items: x.items })),
        },
      });
      return this.notices.escalated(m, locked, moves);
    });
    await this.notices.dispatch(ids);
    this.logger.log({ campaignId: c.id }, 'overdue review items escalated');
  }
}

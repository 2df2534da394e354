import { Injectable, Logger } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { pipeline, Readable } from 'node:stream';
import { AuthService } from '../auth/auth.service';
import { type Actor } from '../platform/actor';
import { iso } from '../platform/database/sql';
import { notFound } from '../platform/http/app-error';
import { CampaignsRepository } from './campaigns.repository';
import { CertificationsRepository } from './certifications.repository';
import { csvCell } from './csv';
import { ReviewItemsRepository } from './review-items.repository';

/** Items read per query: a batch is the most the report holds in memory at once, whatever the campaign. */
export const REPORT_BATCH = 2000;

const HEADER = [
  'campaign',
  'account_email',
  'account_name',
  'group',
  'applications',
  'reviewer',
  'status',
  'decision',
  'justification',
  'decided_by',
  'decided_at',
  'override',
  'remediation',
  'remediated_at',
  // Beyond API.md's columns: until when the membership is certified, and for a carried membership
  // (decision `carried`, a delta campaign) the decision it carries and the campaign that made it.
  'certified_until',
  'carried_decision',
  'carried_from_campaign',
];
const NO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * `GET /campaigns/{id}/report.csv` (API.md): one row per item, streamed. Items are read in keyset
 * batches and each batch is written through csv-stringify only as fast as the client reads (stream
 * backpressure), so the server's memory stays flat however many items a campaign has.
 */
@Injectable()
export class CampaignReportService {
  private readonly logger = new Logger(CampaignReportService.name);

  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly items: ReviewItemsRepository,
    private readonly auth: AuthService,
    private readonly certifications: CertificationsRepository,
  ) {}

  /** The report as a stream of CSV text; 404 (before any byte is sent) when there is no such campaign. */
  async reportCsv(_actor: Actor, campaignId: string): Promise<Readable> {
    const campaign = await this.campaigns.nameOf(campaignId);
    if (!campaign) throw notFound('Campaign');
    // pipeline: an error on either side (a failed query, a client gone) destroys both, and the
    // generator's pending read stops there. The response has begun by then: the client sees a cut
    // transfer, and the log says why (a client that left is no error of ours).
    return pipeline(Readable.from(this.records(campaign.name, campaignId)), stringify(), (err) => {
      if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        this.logger.warn({ err, campaignId }, 'report.csv stopped before its end');
      }
    });
  }

  private async *records(campaignName: string, campaignId: string): AsyncGenerator<string[]> {
    yield HEADER;
    // Reviewers and deciders are few next to items: each principal's email is looked up once.
    const emails = new Map<string, string>();
    const emailOf = async (id: string | null): Promise<string> => {
      if (!id) return '';
      let email = emails.get(id);
      if (email === undefined) {
        email = (await this.auth.getPrincipalRow(id))?.email ?? id;
        emails.set(id, email);
      }
      return email;
    };
    let after = { k: '-infinity', id: NO_UUID };
    for (;;) {
      const rows = await this.items.reportBatch(campaignId, after, REPORT_BATCH);
      for (const i of rows) {
        yield [
          campaignName,
          i.account_email ?? '',
          i.account_display_name ?? '',
          i.group_name ?? '(administrator account)',
          i.applications.map((a) => a.name).join('; '),
          await emailOf(i.reviewer_id),
          i.status,
          i.decision ?? '',
          i.justification ?? '',
          await emailOf(i.decided_by),
          iso(i.decided_at) ?? '',
          String(i.override),
          i.remediation,
          iso(i.remediated_at) ?? '',
          iso(i.certified_until) ?? '',
          '',
          '',
        ].map(csvCell);
      }
      if (rows.length < REPORT_BATCH) break;
      const last = rows[rows.length - 1];
      after = { k: last.ck, id: last.id };
    }
    // A delta campaign's carried memberships: one row each, with the keep its certification carries.
    const def = await this.certifications.carriedDefinition(campaignId);
    let afterId = NO_UUID;
    for (;;) {
      const rows = await this.certifications.carriedReportBatch(campaignId, def, afterId, REPORT_BATCH);
      for (const k of rows) {
        const reviewer = await emailOf(k.reviewer_id);
        yield [
          campaignName,
          k.account_email ?? '',
          k.account_display_name ?? '',
          k.group_name,
          k.applications.map((a) => a.name).join('; '),
          reviewer,
          'carried',
          'carried',
          '',
          reviewer,
          k.decided_at.toISOString(),
          'false',
          'none',
          '',
          k.certified_until.toISOString(),
          'keep',
          k.source_campaign_id,
        ].map(csvCell);
      }
      if (rows.length < REPORT_BATCH) return;
      afterId = rows[rows.length - 1].certification_id;
    }
  }
}

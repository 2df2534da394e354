import { Injectable, Logger } from '@nestjs/common';
import { PassThrough, Readable } from 'node:stream';
import { AuditIntegrityService } from '../audit/audit-integrity.service';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { CampaignEvidenceRepository } from './campaign-evidence.repository';
import { CampaignReportService, REPORT_BATCH } from './campaign-report.service';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { toReviewItemResponse } from './dto/campaign.mapper';
import { type BundleFile, manifestBytes, signedZip } from './evidence-bundle';

/**
 * API.md `GET /campaigns/{id}/evidence`: a closed campaign's evidence as one signed zip that an auditor
 * verifies offline with the audit checkpoint key alone (docs/evidence.md). The checkpoint is taken
 * first, and the bundle's audit events stop at it, so the checkpoint covers every event it holds.
 */
@Injectable()
export class CampaignEvidenceService {
  private readonly logger = new Logger(CampaignEvidenceService.name);

  constructor(
    private readonly campaignsService: CampaignsService,
    private readonly campaigns: CampaignsRepository,
    private readonly evidence: CampaignEvidenceRepository,
    private readonly reports: CampaignReportService,
    private readonly audit: AuditService,
    private readonly integrity: AuditIntegrityService,
    private readonly auth: AuthService,
  ) {}

  /** The bundle as a stream; 404 and 409 (not closed) before any byte is sent. */
  async bundle(actor: Actor, campaignId: string): Promise<Readable> {
    const campaign = await this.campaignsService.get(actor, campaignId);
    if (campaign.status !== 'closed') {
      throw new AppError(
        'invalid_state',
        `The campaign is ${campaign.status}; evidence is for a closed campaign`,
      );
    }
    const checkpoint = await this.integrity.checkpoint(actor);
    const reviewers = await this.reviewers(campaignId);
    const createdAt = new Date();
    const json =
      (value: unknown): (() => Readable) =>
      () =>
        Readable.from([`${JSON.stringify(value, null, 2)}\n`], { objectMode: false });
    const files: BundleFile[] = [
      { name: 'report.csv', open: () => this.reportStream(actor, campaignId) },
      { name: 'campaign.json', open: json({ ...campaign, reviewers }) },
      { name: 'items.ndjson', open: () => Readable.from(this.items(campaignId), { objectMode: false }) },
      {
        name: 'audit-events.ndjson',
        open: () => Readable.from(this.events(campaignId, checkpoint.seq), { objectMode: false }),
      },
      { name: 'checkpoint.json', open: json(checkpoint) },
    ];
    const stream = signedZip(
      files,
      (entries) => {
        const { keyId } = this.integrity.publicKey(actor);
        const manifest = manifestBytes({
          campaignId,
          files: entries,
          createdAt: createdAt.toISOString(),
          keyId,
        });
        const signed = this.integrity.signDetached(manifest);
        return { manifest, signature: signed.signature };
      },
      createdAt,
    );
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        this.logger.warn({ err, campaignId }, 'evidence bundle stopped before its end');
      }
    });
    return stream;
  }

  /** report.csv exactly as `GET /campaigns/{id}/report.csv` gives it. */
  private reportStream(actor: Actor, campaignId: string): Readable {
    const out = new PassThrough();
    this.reports.reportCsv(actor, campaignId).then(
      (csv) => {
        csv.on('error', (err) => out.destroy(err));
        csv.pipe(out);
      },
      (err: Error) => out.destroy(err),
    );
    return out;
  }

  /** Who reviewed, with their counts (campaign.json). */
  private async reviewers(campaignId: string): Promise<unknown[]> {
    const rows = await this.campaigns.progressBy(campaignId, 'reviewer');
    const principals = new Map(
      (await this.auth.principalRowsByIds(rows.flatMap((r) => (r.id ? [r.id] : [])))).map((p) => [p.id, p]),
    );
    return rows.map(({ id, name: _name, ...counts }) => {
      const p = id ? principals.get(id) : undefined;
      return { id, email: p?.email ?? null, displayName: p?.display_name ?? null, ...counts };
    });
  }

  private async *items(campaignId: string): AsyncGenerator<string> {
    let after = { k: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
    for (;;) {
      const rows = await this.evidence.itemBatch(campaignId, after, REPORT_BATCH);
      if (rows.length > 0) yield rows.map((r) => `${JSON.stringify(toReviewItemResponse(r))}\n`).join('');
      if (rows.length < REPORT_BATCH) return;
      const last = rows[rows.length - 1];
      after = { k: last.ck, id: last.id };
    }
  }

  private async *events(campaignId: string, throughSeq: number): AsyncGenerator<string> {
    for await (const e of this.audit.eventsAbout(campaignId, throughSeq)) yield `${JSON.stringify(e)}\n`;
  }
}

import { Controller, Get, Param, ParseUUIDPipe, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { CampaignEvidenceService } from './campaign-evidence.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/v1')
export class CampaignEvidenceController {
  constructor(private readonly evidence: CampaignEvidenceService) {}

  @Get('campaigns/:id/evidence')
  @AdminOrAuditor()
  @ApiRoute({
    summary:
      "A closed campaign's signed evidence bundle (zip: report.csv, campaign.json, items.ndjson, " +
      'audit-events.ndjson, checkpoint.json, manifest.json, manifest.sig), verifiable offline',
    produces: 'application/zip',
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state'] },
  })
  async get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    // The type goes with the stream (not an @Header), so a JSON error is not labelled a zip.
    return new StreamableFile(await this.evidence.bundle(actor, id), {
      type: 'application/zip',
      disposition: `attachment; filename="campaign-${id}-evidence.zip"`,
    });
  }
}

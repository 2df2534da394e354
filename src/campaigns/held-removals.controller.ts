import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { type Actor } from '../platform/actor';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { CampaignResponse } from './dto/campaign.dto';
import { RemediationPreviewResponse } from './dto/remediation-preview.dto';
import { HeldRemovalsService } from './held-removals.service';

/** The safety rails of a close: its remediation preview and the release of what it held. */
@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/v1')
export class HeldRemovalsController {
  constructor(private readonly held: HeldRemovalsService) {}

  @Get('campaigns/:id/remediation-preview')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'What a close removes per group, what its caps hold, and what to look at first',
    body: RemediationPreviewResponse,
    errors: [400, 403, 404],
  })
  preview(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RemediationPreviewResponse> {
    return this.held.preview(actor, id);
  }

  @Post('campaigns/:id/release-held')
  @AdminOnly()
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Release the removals a close held (an admin other than the closer and the bootstrap; two after a system close)',
    description:
      '200: the held removals went out through the outbox. 202: the approval is recorded; the system closed the campaign, so a second admin must release too.',
    body: CampaignResponse,
    errors: [400, 404],
    codes: { 403: ['second_admin_required'], 409: ['invalid_state'] },
  })
  @ApiAcceptedResponse({
    description: 'approval recorded; another admin must release too',
    type: CampaignResponse,
  })
  async release(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CampaignResponse> {
    const outcome = await this.held.release(actor, id);
    // The one status that depends on the outcome: 202 while a second approval is still needed.
    if (!outcome.released) void reply.status(202);
    return outcome.campaign;
  }
}

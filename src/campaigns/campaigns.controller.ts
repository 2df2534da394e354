import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type JsonText, ListQueryDto, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { CampaignProgressService } from './campaign-progress.service';
import { CampaignReportService } from './campaign-report.service';
import { CampaignsService } from './campaigns.service';
import { ReviewDecisionsService } from './review-decisions.service';
import {
  BulkDecisionResult,
  BulkDecisionsDto,
  CampaignResponse,
  CreateCampaignDto,
  DecisionDto,
  ItemsQueryDto,
  LaunchCampaignDto,
  ReassignDto,
  ReviewsQueryDto,
  ReviewItemResponse,
} from './dto/campaign.dto';
import {
  CampaignPreviewResponse,
  CampaignProgressListResponse,
  ProgressQueryDto,
  ReviewsSummaryResponse,
} from './dto/campaign-progress.dto';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/v1')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly decisions: ReviewDecisionsService,
    private readonly reports: CampaignReportService,
    private readonly progress: CampaignProgressService,
  ) {}

  @Post('campaigns')
  @AdminOnly()
  @ApiRoute({
    summary: 'Create a review campaign (draft)',
    status: 201,
    body: CampaignResponse,
    errors: [403],
    codes: { 400: ['validation_failed'] },
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCampaignDto): Promise<CampaignResponse> {
    return this.campaigns.create(actor, dto);
  }

  @Post('campaigns/preview')
  @AdminOnly()
  @HttpCode(200)
  @ApiRoute({
    summary: 'What launching this campaign body would make, creating nothing',
    body: CampaignPreviewResponse,
    errors: [403],
    codes: { 400: ['validation_failed'] },
  })
  preview(@CurrentActor() actor: Actor, @Body() dto: CreateCampaignDto): Promise<CampaignPreviewResponse> {
    return this.progress.preview(actor, dto);
  }

  @Get('campaigns')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List campaigns',
    body: { page: CampaignResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<CampaignResponse>> {
    return this.campaigns.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('campaigns/:id')
  @AdminOrAuditor()
  @ApiRoute({ summary: 'Get a campaign with its progress', body: CampaignResponse, errors: [400, 403, 404] })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.get(actor, id);
  }

  @Post('campaigns/:id/launch')
  @AdminOnly()
  @HttpCode(202)
  @ApiRoute({
    summary:
      'Launch a draft campaign: snapshot its memberships into review items. Refused over a directory ' +
      'older than maxSyncAgeHours unless `force` (audited)',
    status: 202,
    body: CampaignResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state', 'stale_directory'] },
  })
  launch(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: LaunchCampaignDto,
  ): Promise<CampaignResponse> {
    return this.campaigns.launch(actor, id, dto);
  }

  @Post('campaigns/:id/close')
  @AdminOnly()
  @HttpCode(202)
  @ApiRoute({
    summary: 'Close an active campaign: default decisions, then remediation',
    status: 202,
    body: CampaignResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state'] },
  })
  close(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.close(actor, id);
  }

  @Post('campaigns/:id/cancel')
  @AdminOnly()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Cancel a campaign; nothing is remediated',
    body: CampaignResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state'] },
  })
  cancel(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.cancel(actor, id);
  }

  @Get('campaigns/:id/items')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "List a campaign's review items",
    body: { page: ReviewItemResponse },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  items(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ItemsQueryDto,
  ): Promise<Page<ReviewItemResponse>> {
    return this.campaigns.listItems(actor, id, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('campaigns/:id/progress')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "A campaign's item counts per reviewer or per group",
    body: CampaignProgressListResponse,
    errors: [400, 403, 404],
  })
  progressOf(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ProgressQueryDto,
  ): Promise<CampaignProgressListResponse> {
    return this.progress.progress(actor, id, q.by);
  }

  @Get('campaigns/:id/report.csv')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "A campaign's report, one row per item",
    produces: 'text/csv',
    errors: [400, 403, 404],
  })
  async report(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<StreamableFile> {
    // The type goes with the stream, not an @Header: that header would be set before the handler runs
    // and would then also label a JSON error (a 404) as CSV.
    return new StreamableFile(await this.reports.reportCsv(actor, id), { type: 'text/csv; charset=utf-8' });
  }

  @Get('reviews')
  @Authenticated()
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiRoute({
    summary: "The caller's assigned review items across launched campaigns",
    body: { page: ReviewItemResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  reviews(
    @CurrentActor() actor: Actor,
    @Query() q: ReviewsQueryDto,
  ): Promise<JsonText<Page<ReviewItemResponse>>> {
    return this.decisions.myReviews(actor, q.status, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('reviews/summary')
  @Authenticated()
  @ApiRoute({
    summary: "The caller's own review progress per campaign",
    body: ReviewsSummaryResponse,
    errors: [],
  })
  reviewsSummary(@CurrentActor() actor: Actor): Promise<ReviewsSummaryResponse> {
    return this.progress.reviewsSummary(actor);
  }

  @Post('review-items/:id/decision')
  @Authenticated()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Decide a review item (the assigned reviewer, or an admin as an override)',
    body: ReviewItemResponse,
    errors: [404],
    codes: {
      400: ['validation_failed'],
      403: ['separation_of_duties', 'bootstrap_cannot_act'],
      409: ['invalid_state', 'last_administrator'],
    },
  })
  decide(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DecisionDto,
  ): Promise<ReviewItemResponse> {
    return this.decisions.decide(actor, id, dto.decision, dto.justification);
  }

  @Post('reviews/decisions')
  @Authenticated()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Decide up to 1,000 items at once; each is checked, those that pass commit together',
    body: BulkDecisionResult,
    errors: [400],
  })
  decideMany(@CurrentActor() actor: Actor, @Body() dto: BulkDecisionsDto): Promise<BulkDecisionResult> {
    return this.decisions.decideMany(actor, dto.decisions);
  }

  @Post('review-items/:id/reassign')
  @Authenticated()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Hand a review item to another reviewer, with a reason',
    body: ReviewItemResponse,
    errors: [404],
    codes: {
      400: ['validation_failed'],
      403: ['separation_of_duties', 'bootstrap_cannot_act'],
      409: ['invalid_state'],
    },
  })
  reassign(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReassignDto,
  ): Promise<ReviewItemResponse> {
    return this.decisions.reassign(actor, id, dto.reviewerId, dto.reason);
  }
}

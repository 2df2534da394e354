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
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type JsonText, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { CampaignProgressService } from './campaign-progress.service';
import { CampaignReportService } from './campaign-report.service';
import { CampaignsService } from './campaigns.service';
import { ReviewDecisionsService } from './review-decisions.service';
import {
  type BulkDecisionResult,
  BulkDecisionsDto,
  type CampaignResponse,
  CreateCampaignDto,
  DecisionDto,
  ItemsQueryDto,
  ReassignDto,
  ReviewsQueryDto,
  type ReviewItemResponse,
} from './dto/campaign.dto';
import {
  type CampaignPreviewResponse,
  type CampaignProgressListResponse,
  ProgressQueryDto,
  type ReviewsSummaryResponse,
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
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCampaignDto): Promise<CampaignResponse> {
    return this.campaigns.create(actor, dto);
  }

  @Post('campaigns/preview')
  @AdminOnly()
  @HttpCode(200)
  preview(@CurrentActor() actor: Actor, @Body() dto: CreateCampaignDto): Promise<CampaignPreviewResponse> {
    return this.progress.preview(actor, dto);
  }

  @Get('campaigns')
  @AdminOrAuditor()
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<CampaignResponse>> {
    return this.campaigns.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('campaigns/:id')
  @AdminOrAuditor()
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.get(actor, id);
  }

  @Post('campaigns/:id/launch')
  @AdminOnly()
  @HttpCode(202)
  launch(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.launch(actor, id);
  }

  @Post('campaigns/:id/close')
  @AdminOnly()
  @HttpCode(202)
  close(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.close(actor, id);
  }

  @Post('campaigns/:id/cancel')
  @AdminOnly()
  @HttpCode(200)
  cancel(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignResponse> {
    return this.campaigns.cancel(actor, id);
  }

  @Get('campaigns/:id/items')
  @AdminOrAuditor()
  items(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ItemsQueryDto,
  ): Promise<Page<ReviewItemResponse>> {
    return this.campaigns.listItems(actor, id, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('campaigns/:id/progress')
  @AdminOrAuditor()
  progressOf(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ProgressQueryDto,
  ): Promise<CampaignProgressListResponse> {
    return this.progress.progress(actor, id, q.by);
  }

  @Get('campaigns/:id/report.csv')
  @AdminOrAuditor()
  @ApiProduces('text/csv')
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
  reviews(
    @CurrentActor() actor: Actor,
    @Query() q: ReviewsQueryDto,
  ): Promise<JsonText<Page<ReviewItemResponse>>> {
    return this.decisions.myReviews(actor, q.status, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('reviews/summary')
  @Authenticated()
  reviewsSummary(@CurrentActor() actor: Actor): Promise<ReviewsSummaryResponse> {
    return this.progress.reviewsSummary(actor);
  }

  @Post('review-items/:id/decision')
  @Authenticated()
  @HttpCode(200)
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
  decideMany(@CurrentActor() actor: Actor, @Body() dto: BulkDecisionsDto): Promise<BulkDecisionResult> {
    return this.decisions.decideMany(actor, dto.decisions);
  }

  @Post('review-items/:id/reassign')
  @Authenticated()
  @HttpCode(200)
  reassign(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReassignDto,
  ): Promise<ReviewItemResponse> {
    return this.decisions.reassign(actor, id, dto.reviewerId, dto.reason);
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../platform/actor';
import { ApiRoute } from '../../platform/http/openapi';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, CurrentActor } from '../../platform/http/policy';
import { CampaignResponse } from '../dto/campaign.dto';
import { CampaignTemplatesService } from './campaign-templates.service';
import {
  CampaignTemplateResponse,
  CreateCampaignTemplateDto,
  UpdateCampaignTemplateDto,
} from './dto/campaign-template.dto';

@ApiTags('campaign templates')
@ApiBearerAuth()
@Controller('api/v1/campaign-templates')
export class CampaignTemplatesController {
  constructor(private readonly templates: CampaignTemplatesService) {}

  @Post()
  @AdminOnly()
  @ApiRoute({
    summary: "Create a campaign template: each period's campaign is made and launched by the server",
    status: 201,
    body: CampaignTemplateResponse,
    errors: [403],
    codes: { 400: ['validation_failed'], 403: ['bootstrap_cannot_act'] },
  })
  create(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateCampaignTemplateDto,
  ): Promise<CampaignTemplateResponse> {
    return this.templates.create(actor, dto);
  }

  @Get()
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List campaign templates',
    body: { page: CampaignTemplateResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<CampaignTemplateResponse>> {
    return this.templates.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get(':id')
  @AdminOrAuditor()
  @ApiRoute({ summary: 'Get a campaign template', body: CampaignTemplateResponse, errors: [400, 403, 404] })
  get(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<CampaignTemplateResponse> {
    return this.templates.get(actor, id);
  }

  @Patch(':id')
  @AdminOnly()
  @ApiRoute({
    summary: 'Change a campaign template; a changed schedule applies from its next period',
    body: CampaignTemplateResponse,
    errors: [403, 404],
    codes: { 400: ['validation_failed'], 403: ['bootstrap_cannot_act'] },
  })
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCampaignTemplateDto,
  ): Promise<CampaignTemplateResponse> {
    return this.templates.update(actor, id, dto);
  }

  @Delete(':id')
  @AdminOnly()
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete a campaign template: no more campaigns; past ones stay',
    status: 204,
    errors: [400, 403, 404],
  })
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.templates.remove(actor, id);
  }

  @Get(':id/campaigns')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "The campaigns a template made, oldest first (a deleted template's too)",
    body: { page: CampaignResponse },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  campaigns(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<CampaignResponse>> {
    return this.templates.campaignsOf(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }
}

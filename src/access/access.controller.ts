import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, Authenticated, CurrentActor } from '../platform/http/policy';
import { AccessService } from './access.service';
import {
  type AccessRequestResponse,
  ApproveDto,
  type CatalogEntry,
  CreateRequestDto,
  DenyDto,
  type GrantResponse,
  GrantsQueryDto,
  type PolicyResponse,
  PutPolicyDto,
  RequestsQueryDto,
  RevokeGrantDto,
} from './dto/access.dto';

@ApiTags('access')
@ApiBearerAuth()
@Controller('api/v1')
export class AccessController {
  constructor(private readonly access: AccessService) {}

  @Put('groups/:id/policy')
  @AdminOnly()
  putPolicy(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PutPolicyDto,
  ): Promise<PolicyResponse> {
    return this.access.putPolicy(actor, id, dto);
  }

  @Get('groups/:id/policy')
  @Authenticated()
  getPolicy(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<PolicyResponse> {
    return this.access.getPolicy(actor, id);
  }

  @Get('catalog')
  @Authenticated()
  catalog(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<CatalogEntry>> {
    return this.access.catalog(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Post('access-requests')
  @Authenticated()
  createRequest(@CurrentActor() actor: Actor, @Body() dto: CreateRequestDto): Promise<AccessRequestResponse> {
    return this.access.createRequest(actor, dto);
  }

  @Get('access-requests')
  @Authenticated()
  listRequests(
    @CurrentActor() actor: Actor,
    @Query() q: RequestsQueryDto,
  ): Promise<Page<AccessRequestResponse>> {
    return this.access.listRequests(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('access-requests/:id')
  @Authenticated()
  getRequest(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessRequestResponse> {
    return this.access.getRequest(actor, id);
  }

  @Post('access-requests/:id/approve')
  @Authenticated()
  @HttpCode(200)
  approve(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ApproveDto,
  ): Promise<AccessRequestResponse> {
    return this.access.approve(actor, id, dto.comment);
  }

  @Post('access-requests/:id/deny')
  @Authenticated()
  @HttpCode(200)
  deny(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DenyDto,
  ): Promise<AccessRequestResponse> {
    return this.access.deny(actor, id, dto.comment);
  }

  @Post('access-requests/:id/cancel')
  @Authenticated()
  @HttpCode(200)
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessRequestResponse> {
    return this.access.cancel(actor, id);
  }

  @Get('grants')
  @Authenticated()
  listGrants(@CurrentActor() actor: Actor, @Query() q: GrantsQueryDto): Promise<Page<GrantResponse>> {
    return this.access.listGrants(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Post('grants/:id/revoke')
  @Authenticated()
  @HttpCode(200)
  revoke(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RevokeGrantDto,
  ): Promise<GrantResponse> {
    return this.access.revokeGrant(actor, id, dto.reason);
  }
}

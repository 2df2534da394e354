import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, Authenticated, CurrentActor } from '../platform/http/policy';
import { AccessRequestsService } from './access-requests.service';
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
import { GrantsService } from './grants.service';
import { GroupPoliciesService } from './group-policies.service';

@ApiTags('access')
@ApiBearerAuth()
@Controller('api/v1')
export class AccessController {
  constructor(
    private readonly policies: GroupPoliciesService,
    private readonly requests: AccessRequestsService,
    private readonly grants: GrantsService,
  ) {}

  @Put('groups/:id/policy')
  @AdminOnly()
  putPolicy(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PutPolicyDto,
  ): Promise<PolicyResponse> {
    return this.policies.putPolicy(actor, id, dto);
  }

  @Get('groups/:id/policy')
  @Authenticated()
  getPolicy(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<PolicyResponse> {
    return this.policies.getPolicy(actor, id);
  }

  @Get('catalog')
  @Authenticated()
  catalog(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<CatalogEntry>> {
    return this.policies.catalog(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Post('access-requests')
  @Authenticated()
  createRequest(@CurrentActor() actor: Actor, @Body() dto: CreateRequestDto): Promise<AccessRequestResponse> {
    return this.requests.createRequest(actor, dto);
  }

  @Get('access-requests')
  @Authenticated()
  listRequests(
    @CurrentActor() actor: Actor,
    @Query() q: RequestsQueryDto,
  ): Promise<Page<AccessRequestResponse>> {
    return this.requests.listRequests(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('access-requests/:id')
  @Authenticated()
  getRequest(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessRequestResponse> {
    return this.requests.getRequest(actor, id);
  }

  @Post('access-requests/:id/approve')
  @Authenticated()
  @HttpCode(200)
  approve(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ApproveDto,
  ): Promise<AccessRequestResponse> {
    return this.requests.approve(actor, id, dto.comment);
  }

  @Post('access-requests/:id/deny')
  @Authenticated()
  @HttpCode(200)
  deny(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DenyDto,
  ): Promise<AccessRequestResponse> {
    return this.requests.deny(actor, id, dto.comment);
  }

  @Post('access-requests/:id/cancel')
  @Authenticated()
  @HttpCode(200)
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessRequestResponse> {
    return this.requests.cancel(actor, id);
  }

  @Get('grants')
  @Authenticated()
  listGrants(@CurrentActor() actor: Actor, @Query() q: GrantsQueryDto): Promise<Page<GrantResponse>> {
    return this.grants.listGrants(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Post('grants/:id/revoke')
  @Authenticated()
  @HttpCode(200)
  revoke(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RevokeGrantDto,
  ): Promise<GrantResponse> {
    return this.grants.revokeGrant(actor, id, dto.reason);
  }
}

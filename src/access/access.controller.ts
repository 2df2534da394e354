import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, Authenticated, CurrentActor } from '../platform/http/policy';
import { AccessRequestsService } from './access-requests.service';
import {
  AccessRequestResponse,
  ApproveDto,
  CatalogEntry,
  CreateRequestDto,
  DenyDto,
  GrantResponse,
  GrantsQueryDto,
  PolicyResponse,
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
  @ApiRoute({
    summary: "Replace a group's access policy (send back what GET returned to keep it)",
    body: PolicyResponse,
    errors: [403, 404],
    codes: { 400: ['validation_failed', 'dynamic_group'], 409: ['invalid_state'] },
  })
  putPolicy(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PutPolicyDto,
  ): Promise<PolicyResponse> {
    return this.policies.putPolicy(actor, id, dto);
  }

  @Get('groups/:id/policy')
  @Authenticated()
  @ApiRoute({ summary: "A group's access policy", body: PolicyResponse, errors: [400, 404] })
  getPolicy(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<PolicyResponse> {
    return this.policies.getPolicy(actor, id);
  }

  @Get('catalog')
  @Authenticated()
  @ApiRoute({
    summary: 'Requestable groups the caller is eligible for',
    body: { page: CatalogEntry },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  catalog(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<CatalogEntry>> {
    return this.policies.catalog(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Post('access-requests')
  @Authenticated()
  @ApiRoute({
    summary: 'Request time-boxed membership of a group (or extend an active grant)',
    status: 201,
    body: AccessRequestResponse,
    errors: [403, 404],
    codes: {
      400: [
        'not_requestable',
        'not_eligible',
        'duration_exceeds_policy',
        'justification_required',
        'no_account',
        'starts_too_late',
        'break_glass_not_allowed',
      ],
      409: ['already_member', 'request_pending', 'invalid_state', 'grant_active'],
      429: ['break_glass_rate_limited'],
    },
  })
  createRequest(@CurrentActor() actor: Actor, @Body() dto: CreateRequestDto): Promise<AccessRequestResponse> {
    return this.requests.createRequest(actor, dto);
  }

  @Get('access-requests')
  @Authenticated()
  @ApiRoute({
    summary: 'List access requests (own, to approve, or all the caller may read)',
    body: { page: AccessRequestResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  listRequests(
    @CurrentActor() actor: Actor,
    @Query() q: RequestsQueryDto,
  ): Promise<Page<AccessRequestResponse>> {
    return this.requests.listRequests(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('access-requests/:id')
  @Authenticated()
  @ApiRoute({ summary: 'Get an access request', body: AccessRequestResponse, errors: [400, 403, 404] })
  getRequest(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessRequestResponse> {
    return this.requests.getRequest(actor, id);
  }

  @Post('access-requests/:id/approve')
  @Authenticated()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Approve a request (approvers only; never the requester or the beneficiary)',
    body: AccessRequestResponse,
    errors: [400, 404],
    codes: { 403: ['separation_of_duties', 'bootstrap_cannot_act'], 409: ['invalid_state', 'not_this_step'] },
  })
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
  @ApiRoute({
    summary: 'Deny a request with a comment (approvers only)',
    body: AccessRequestResponse,
    errors: [400, 404],
    codes: { 403: ['separation_of_duties', 'bootstrap_cannot_act'], 409: ['invalid_state', 'not_this_step'] },
  })
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
  @ApiRoute({
    summary: 'Cancel own pending request',
    body: AccessRequestResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state'] },
  })
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessRequestResponse> {
    return this.requests.cancel(actor, id);
  }

  @Get('grants')
  @Authenticated()
  @ApiRoute({
    summary: 'List grants the caller may read',
    body: { page: GrantResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  listGrants(@CurrentActor() actor: Actor, @Query() q: GrantsQueryDto): Promise<Page<GrantResponse>> {
    return this.grants.listGrants(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Post('grants/:id/revoke')
  @Authenticated()
  @HttpCode(200)
  @ApiRoute({
    summary: 'End a grant now (the beneficiary, an approver of the group, or an admin)',
    body: GrantResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state'] },
  })
  revoke(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RevokeGrantDto,
  ): Promise<GrantResponse> {
    return this.grants.revokeGrant(actor, id, dto.reason);
  }
}

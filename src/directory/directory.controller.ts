import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryQueriesService } from './directory-queries.service';
import {
  AccountDetailResponse,
  AccountResponse,
  ApplicationResponse,
  GroupMemberResponse,
  GroupResponse,
} from './dto/directory.dto';
import { MembershipHistoryItem } from './dto/membership-history.dto';
import { HeldRemovalListResponse, SyncRunResponse, TriggerSyncDto } from './dto/sync-run.dto';
import { AccountsQueryDto, ApplicationsQueryDto, GroupsQueryDto } from './dto/directory-query.dto';
import { MembershipHistoryService } from './membership-history.service';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('api/v1')
export class DirectoryController {
  constructor(
    private readonly directory: DirectoryQueriesService,
    private readonly history: MembershipHistoryService,
  ) {}

  @Get('accounts')
  @Authenticated()
  @ApiRoute({
    summary: 'List directory accounts (users and administrators)',
    body: { page: AccountResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  accounts(@CurrentActor() actor: Actor, @Query() q: AccountsQueryDto): Promise<Page<AccountResponse>> {
    return this.directory.listAccounts(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('accounts/:id')
  @Authenticated()
  @ApiRoute({
    summary: 'Get an account with its groups',
    body: AccountDetailResponse,
    errors: [400, 403, 404],
  })
  account(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccountDetailResponse> {
    return this.directory.getAccount(actor, id);
  }

  @Get('accounts/:id/history')
  @Authenticated()
  @ApiRoute({
    summary: "An account's membership history, newest first",
    body: { page: MembershipHistoryItem },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  accountHistory(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<MembershipHistoryItem>> {
    return this.history.forAccount(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('groups')
  @Authenticated()
  @ApiRoute({
    summary: 'List directory groups',
    body: { page: GroupResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  groups(@CurrentActor() actor: Actor, @Query() q: GroupsQueryDto): Promise<Page<GroupResponse>> {
    return this.directory.listGroups(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('groups/:id')
  @Authenticated()
  @ApiRoute({ summary: 'Get a group', body: GroupResponse, errors: [400, 404] })
  group(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<GroupResponse> {
    return this.directory.getGroup(actor, id);
  }

  @Get('groups/:id/members')
  @Authenticated()
  @ApiRoute({
    summary: "A group's members, each with the time it joined",
    body: { page: GroupMemberResponse },
    errors: [400, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  members(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<GroupMemberResponse>> {
    return this.directory.listGroupMembers(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('groups/:id/history')
  @Authenticated()
  @ApiRoute({
    summary: "A group's membership history, newest first",
    body: { page: MembershipHistoryItem },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  groupHistory(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<MembershipHistoryItem>> {
    return this.history.forGroup(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('applications')
  @Authenticated()
  @ApiRoute({
    summary: 'List applications with the groups bound to them',
    body: { page: ApplicationResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  applications(
    @CurrentActor() actor: Actor,
    @Query() q: ApplicationsQueryDto,
  ): Promise<Page<ApplicationResponse>> {
    return this.directory.listApplications(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }
}

@ApiTags('syncs')
@ApiBearerAuth()
@Controller('api/v1')
export class SyncsController {
  constructor(private readonly syncs: DirectorySyncService) {}

  @Post('connections/:id/syncs')
  @AdminOnly()
  @HttpCode(202)
  // The body is optional (API.md): no body is `{mode: "auto"}`.
  @ApiBody({ type: TriggerSyncDto, required: false })
  @ApiRoute({
    summary: 'Start a sync (or get the one already queued or running)',
    status: 202,
    body: SyncRunResponse,
    errors: [400, 403, 404],
  })
  trigger(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: TriggerSyncDto,
  ): Promise<SyncRunResponse> {
    return this.syncs.trigger(actor, id, 'manual', dto.mode);
  }

  @Get('connections/:id/syncs')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "A connection's sync runs, newest first",
    body: { page: SyncRunResponse },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  list(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<SyncRunResponse>> {
    return this.syncs.listRuns(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('syncs/:id')
  @AdminOrAuditor()
  @ApiRoute({ summary: 'Get a sync run', body: SyncRunResponse, errors: [400, 403, 404] })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<SyncRunResponse> {
    return this.syncs.getRun(actor, id);
  }

  @Get('syncs/:id/held')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List the removals a sync run held',
    body: HeldRemovalListResponse,
    errors: [400, 403, 404],
  })
  held(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<HeldRemovalListResponse> {
    return this.syncs.getHeld(actor, id);
  }
}

import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { type SyncRunResponse, DirectorySyncService } from './directory-sync.service';
import { DirectoryQueriesService } from './directory-queries.service';
import { type AccountResponse, type ApplicationResponse, type GroupResponse } from './dto/directory.dto';
import { AccountsQueryDto, ApplicationsQueryDto, GroupsQueryDto } from './dto/directory-query.dto';
import { type MembershipHistoryItem, MembershipHistoryService } from './membership-history.service';

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
  accounts(@CurrentActor() actor: Actor, @Query() q: AccountsQueryDto): Promise<Page<AccountResponse>> {
    return this.directory.listAccounts(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('accounts/:id')
  @Authenticated()
  account(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<AccountResponse> {
    return this.directory.getAccount(actor, id);
  }

  @Get('accounts/:id/history')
  @Authenticated()
  accountHistory(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<MembershipHistoryItem>> {
    return this.history.forAccount(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('groups')
  @Authenticated()
  groups(@CurrentActor() actor: Actor, @Query() q: GroupsQueryDto): Promise<Page<GroupResponse>> {
    return this.directory.listGroups(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('groups/:id')
  @Authenticated()
  group(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<GroupResponse> {
    return this.directory.getGroup(actor, id);
  }

  @Get('groups/:id/members')
  @Authenticated()
  members(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<AccountResponse & { since: string }>> {
    return this.directory.listGroupMembers(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('groups/:id/history')
  @Authenticated()
  groupHistory(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<MembershipHistoryItem>> {
    return this.history.forGroup(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('applications')
  @Authenticated()
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
  trigger(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<SyncRunResponse> {
    return this.syncs.trigger(actor, id, 'manual');
  }

  @Get('connections/:id/syncs')
  @AdminOrAuditor()
  list(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<SyncRunResponse>> {
    return this.syncs.listRuns(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('syncs/:id')
  @AdminOrAuditor()
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<SyncRunResponse> {
    return this.syncs.getRun(actor, id);
  }
}

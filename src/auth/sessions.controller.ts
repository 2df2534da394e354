import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { SessionResponse } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('api/v1')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('me/sessions')
  @Authenticated()
  @ApiRoute({
    summary: 'List my live sessions',
    body: { page: SessionResponse },
    errors: [400],
    codes: { 400: ['invalid_cursor'] },
  })
  listOwn(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<SessionResponse>> {
    return this.sessions.listOwn(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Delete('me/sessions/:id')
  @Authenticated()
  @HttpCode(204)
  @ApiRoute({
    summary: 'End one of my sessions',
    status: 204,
    errors: [400, 403, 404],
    codes: { 403: ['csrf'] },
  })
  revokeOwn(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.sessions.revokeOwn(actor, id);
  }

  @Get('principals/:id/sessions')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "List a principal's live sessions",
    body: { page: SessionResponse },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  listFor(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<SessionResponse>> {
    return this.sessions.listFor(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Delete('principals/:id/sessions')
  @AdminOnly()
  @HttpCode(204)
  @ApiRoute({
    summary: 'End every session of a principal',
    status: 204,
    errors: [400, 403, 404],
    codes: { 403: ['csrf'] },
  })
  endAll(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.sessions.endAllFor(actor, id);
  }
}

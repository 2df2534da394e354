import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { type SessionResponse } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@ApiCookieAuth('jg_session')
@Controller('api/v1')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('me/sessions')
  @Authenticated()
  listOwn(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<SessionResponse>> {
    return this.sessions.listOwn(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Delete('me/sessions/:id')
  @Authenticated()
  @HttpCode(204)
  revokeOwn(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.sessions.revokeOwn(actor, id);
  }

  @Get('principals/:id/sessions')
  @AdminOrAuditor()
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
  endAll(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.sessions.endAllFor(actor, id);
  }
}

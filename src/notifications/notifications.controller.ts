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
  Put,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import {
  ChannelResponse,
  ChannelTestResponse,
  CreateChannelDto,
  ListNotificationsQueryDto,
  NotificationResponse,
  PreferencesResponse,
  PutPreferencesDto,
  UpdateChannelDto,
} from './dto/notification.dto';
import { NotificationChannelsService } from './notification-channels.service';
import { NotificationPreferencesService } from './notification-preferences.service';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/v1')
export class NotificationsController {
  constructor(
    private readonly channels: NotificationChannelsService,
    private readonly notifications: NotificationsService,
    private readonly preferences: NotificationPreferencesService,
  ) {}

  @Post('notification-channels')
  @AdminOnly()
  @ApiRoute({
    summary: 'Create a notification channel (email, Slack or webhook)',
    status: 201,
    body: ChannelResponse,
    errors: [400, 403],
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateChannelDto): Promise<ChannelResponse> {
    return this.channels.create(actor, dto);
  }

  @Get('notification-channels')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List notification channels (secrets masked)',
    body: { page: ChannelResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<ChannelResponse>> {
    return this.channels.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('notification-channels/:id')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'Get a notification channel (secrets masked)',
    body: ChannelResponse,
    errors: [400, 403, 404],
  })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<ChannelResponse> {
    return this.channels.get(actor, id);
  }

  @Patch('notification-channels/:id')
  @AdminOnly()
  @ApiRoute({ summary: 'Change a notification channel', body: ChannelResponse, errors: [400, 403, 404] })
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateChannelDto,
  ): Promise<ChannelResponse> {
    return this.channels.update(actor, id, dto);
  }

  @Delete('notification-channels/:id')
  @AdminOnly()
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a notification channel', status: 204, errors: [400, 403, 404] })
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.channels.remove(actor, id);
  }

  @Post('notification-channels/:id/test')
  @AdminOnly()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Send a test message through a channel',
    body: ChannelTestResponse,
    errors: [400, 403, 404],
  })
  test(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<ChannelTestResponse> {
    return this.channels.test(actor, id);
  }

  @Get('notifications')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List notifications and their delivery state',
    body: { page: NotificationResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  deliveries(
    @CurrentActor() actor: Actor,
    @Query() q: ListNotificationsQueryDto,
  ): Promise<Page<NotificationResponse>> {
    return this.notifications.list(
      actor,
      { recipientId: q.recipientId, kind: q.kind, status: q.status },
      q.limit ?? DEFAULT_LIMIT,
      q.cursor,
    );
  }

  @Get('me/notification-preferences')
  @Authenticated()
  @ApiRoute({
    summary: "The caller's notification preferences",
    body: PreferencesResponse,
    errors: [],
    codes: { 403: ['bootstrap_cannot_act'] },
  })
  getPreferences(@CurrentActor() actor: Actor): Promise<PreferencesResponse> {
    return this.preferences.get(actor);
  }

  @Put('me/notification-preferences')
  @Authenticated()
  @ApiRoute({
    summary: "Replace the caller's notification preferences",
    body: PreferencesResponse,
    errors: [400],
    codes: { 403: ['bootstrap_cannot_act'] },
  })
  putPreferences(@CurrentActor() actor: Actor, @Body() dto: PutPreferencesDto): Promise<PreferencesResponse> {
    return this.preferences.put(actor, dto);
  }
}

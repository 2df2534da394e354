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
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import {
  type ChannelResponse,
  type ChannelTestResponse,
  CreateChannelDto,
  ListNotificationsQueryDto,
  type NotificationResponse,
  type PreferencesResponse,
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
  create(@CurrentActor() actor: Actor, @Body() dto: CreateChannelDto): Promise<ChannelResponse> {
    return this.channels.create(actor, dto);
  }

  @Get('notification-channels')
  @AdminOrAuditor()
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<ChannelResponse>> {
    return this.channels.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('notification-channels/:id')
  @AdminOrAuditor()
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<ChannelResponse> {
    return this.channels.get(actor, id);
  }

  @Patch('notification-channels/:id')
  @AdminOnly()
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
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.channels.remove(actor, id);
  }

  @Post('notification-channels/:id/test')
  @AdminOnly()
  @HttpCode(200)
  test(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<ChannelTestResponse> {
    return this.channels.test(actor, id);
  }

  @Get('notifications')
  @AdminOrAuditor()
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
  getPreferences(@CurrentActor() actor: Actor): Promise<PreferencesResponse> {
    return this.preferences.get(actor);
  }

  @Put('me/notification-preferences')
  @Authenticated()
  putPreferences(@CurrentActor() actor: Actor, @Body() dto: PutPreferencesDto): Promise<PreferencesResponse> {
    return this.preferences.put(actor, dto);
  }
}

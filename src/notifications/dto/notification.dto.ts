import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';
import { iso } from '../../platform/database/sql';
import {
  CHANNEL_TYPES,
  type ChannelType,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NotificationKind,
  type NotificationStatus,
  PREFERENCE_CHANNELS,
} from '../notification-kinds';
import { type ChannelRow } from '../notification-channels.repository';
import { type NotificationRow } from '../notifications.repository';
import { type Preferences } from '../preferences.policy';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class CreateChannelDto {
  @ApiProperty({ enum: CHANNEL_TYPES })
  @IsIn(CHANNEL_TYPES)
  type!: ChannelType;

  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({
    description:
      'email: {smtpUrl, from}; slack: {botToken, signingSecret, defaultChannel?}; webhook: {url, secret}',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  config!: Record<string, unknown>;
}

export class UpdateChannelDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'fields to change; the others (secrets included) keep their value',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}

export class ChannelResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' }) type!: ChannelType;
  @ApiProperty() name!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'the channel\'s settings; secrets are `"***"` and their last 4 characters',
  })
  config!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function toChannelResponse(c: ChannelRow): ChannelResponse {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    enabled: c.enabled,
    config: c.config_public,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
  };
}

export class ChannelTestResponse {
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional({ description: 'why the test message was not delivered' }) error?: string;
}

export class ListNotificationsQueryDto extends ListQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  recipientId?: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_KINDS })
  @IsOptional()
  @IsIn(NOTIFICATION_KINDS)
  kind?: NotificationKind;

  @ApiPropertyOptional({ enum: NOTIFICATION_STATUSES })
  @IsOptional()
  @IsIn(NOTIFICATION_STATUSES)
  status?: NotificationStatus;
}

export class NotificationSubject {
  @ApiProperty({ example: 'campaign' }) type!: string;
  @ApiProperty() id!: string;
}

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS, enumName: 'NotificationKind' }) kind!: NotificationKind;
  @ApiProperty({ format: 'uuid' }) recipientId!: string;
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ type: NotificationSubject }) subject!: NotificationSubject;
  @ApiProperty({ description: 'the reminder ordinal or the expiry in force; empty for other kinds' })
  period!: string;
  @ApiProperty({ enum: NOTIFICATION_STATUSES, enumName: 'NotificationStatus' }) status!: NotificationStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt!: string | null;
}

export function toNotificationResponse(n: NotificationRow): NotificationResponse {
  return {
    id: n.id,
    kind: n.kind,
    recipientId: n.recipient_id,
    channelId: n.channel_id,
    subject: { type: n.subject_type, id: n.subject_id },
    period: n.period,
    status: n.status,
    attempts: n.attempts,
    lastError: n.last_error,
    createdAt: n.created_at.toISOString(),
    sentAt: iso(n.sent_at),
  };
}

export class PutPreferencesDto {
  @ApiProperty({
    description: '{<kind>: {email?: boolean, slack?: boolean}}',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  kinds!: Preferences;
}

export class PreferencesResponse {
  @ApiProperty({
    type: 'object',
    description: 'per kind, per channel: false switches that channel off for that kind',
    properties: Object.fromEntries(
      NOTIFICATION_KINDS.map((k) => [
        k,
        {
          type: 'object',
          properties: Object.fromEntries(PREFERENCE_CHANNELS.map((c) => [c, { type: 'boolean' }])),
        },
      ]),
    ),
  })
  kinds!: Preferences;
}

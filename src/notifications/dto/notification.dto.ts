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

export interface ChannelResponse {
  id: string;
  type: ChannelType;
  name: string;
  enabled: boolean;
  /** Secrets are `"***"` and their last 4 characters. */
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
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

export interface ChannelTestResponse {
  ok: boolean;
  error?: string;
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

export interface NotificationResponse {
  id: string;
  kind: NotificationKind;
  recipientId: string;
  channelId: string;
  subject: { type: string; id: string };
  period: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
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

export interface PreferencesResponse {
  kinds: Preferences;
}

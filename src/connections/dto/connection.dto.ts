import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { INSIGHTS_STATES, type InsightsState } from '../connection-insights';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

// JumpCloud ids (organisations included) are 24 hexadecimal characters (API-NOTES).
const ORG_ID = /^[0-9a-fA-F]{24}$/;

/** Body of POST /connections/test: the same as create, with the name optional. */
export class TestConnectionDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ description: 'JumpCloud organisation id (24 hex characters)' })
  @Transform(trim)
  @IsString()
  @Matches(ORG_ID, { message: 'orgId must be a JumpCloud organisation id (24 hexadecimal characters)' })
  orgId!: string;

  @ApiPropertyOptional({ description: 'service account client id (with clientSecret)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  clientId?: string;

  @ApiPropertyOptional({ description: 'service account client secret (with clientId)', writeOnly: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  clientSecret?: string;

  @ApiPropertyOptional({ description: 'API key (instead of a service account)', writeOnly: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  apiKey?: string;

  @ApiPropertyOptional({ enum: ['us', 'eu'], default: 'us' })
  @IsOptional()
  @IsIn(['us', 'eu'])
  region?: 'us' | 'eu';

  @ApiPropertyOptional({ minimum: 0, description: '0 = no scheduled sync; default SYNC_INTERVAL_MINUTES' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(525600)
  syncIntervalMinutes?: number;
}

export class CreateConnectionDto extends TestConnectionDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  declare name: string;
}

export class UpdateConnectionDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(525600)
  syncIntervalMinutes?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  clientId?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  clientSecret?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  apiKey?: string;
}

export class ConnectionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: "JumpCloud's organisation id" }) orgId!: string;
  @ApiProperty({ enum: ['us', 'eu'] }) region!: 'us' | 'eu';
  @ApiProperty({ enum: ['service_account', 'api_key'] }) credentialType!: 'service_account' | 'api_key';
  @ApiProperty({ type: String, nullable: true }) clientIdLast4!: string | null;
  @ApiProperty() syncIntervalMinutes!: number;
  @ApiProperty({ enum: ['ok', 'error'] }) status!: 'ok' | 'error';
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSyncAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    enum: ['unverified', 'verified', 'denied'],
    description: 'JumpCloud write permission, which reads cannot show: `unverified` until the first write',
  })
  writeAccess!: 'unverified' | 'verified' | 'denied';
  @ApiProperty({
    enum: INSIGHTS_STATES,
    enumName: 'InsightsState',
    description:
      'Whether the credentials may read Directory Insights (sign-in activity, who changed what), as last seen by a test, create, credential change or sync: `forbidden` = the role lacks Directory Insights; `unavailable` = not checked yet or JumpCloud did not answer',
  })
  insights!: InsightsState;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'when `insights` was last checked',
  })
  insightsCheckedAt!: string | null;
}

export class OrganizationResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class ConnectionTestPassed {
  @ApiProperty({ enum: [true] }) ok!: true;
  @ApiProperty({ type: OrganizationResponse }) organization!: OrganizationResponse;
  @ApiProperty({ enum: ['unverified'] }) writeAccess!: 'unverified';
  @ApiProperty({ enum: INSIGHTS_STATES, enumName: 'InsightsState' }) insights!: InsightsState;
}

export const CONNECTION_TEST_CODES = [
  'bad_credentials',
  'wrong_org',
  'missing_permission',
  'unavailable',
] as const;

export class ConnectionTestFailed {
  @ApiProperty({ enum: [false] }) ok!: false;
  @ApiProperty({ enum: CONNECTION_TEST_CODES, enumName: 'ConnectionTestCode' })
  code!: (typeof CONNECTION_TEST_CODES)[number];
  @ApiProperty() error!: string;
  @ApiProperty({
    enum: INSIGHTS_STATES,
    enumName: 'InsightsState',
    description:
      'Directory Insights as far as these credentials tell: checked when they reach the organisation but lack a directory read (`missing_permission`), else `unavailable` (not checked)',
  })
  insights!: InsightsState;
}

export type ConnectionTestResponse = ConnectionTestPassed | ConnectionTestFailed;

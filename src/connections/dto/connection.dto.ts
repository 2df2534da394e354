import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
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

export interface ConnectionResponse {
  id: string;
  name: string;
  orgId: string;
  region: 'us' | 'eu';
  credentialType: 'service_account' | 'api_key';
  clientIdLast4: string | null;
  syncIntervalMinutes: number;
  status: 'ok' | 'error';
  lastSyncAt: string | null;
  createdAt: string;
  /** JumpCloud write permission, which reads cannot show: `unverified` until the first write. */
  writeAccess: 'unverified' | 'verified' | 'denied';
}

export type ConnectionTestResponse =
  | { ok: true; organization: { id: string; name: string }; writeAccess: 'unverified' }
  | {
      ok: false;
      code: 'bad_credentials' | 'wrong_org' | 'missing_permission' | 'unavailable';
      error: string;
    };

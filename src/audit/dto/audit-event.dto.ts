import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The audit routes' response shapes (API.md "Provisioning and audit"). */

export class AuditActorResponse {
  @ApiProperty({ enum: ['principal', 'system'] }) type!: 'principal' | 'system';
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ enum: ['token', 'session', 'slack', 'system'], description: 'how the actor authenticated' })
  via!: 'token' | 'session' | 'slack' | 'system';
  @ApiPropertyOptional({ format: 'uuid' }) tokenId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) sessionId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) channelId?: string;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: AuditActorResponse }) actor!: AuditActorResponse;
  @ApiProperty({ example: 'campaign.launched' }) action!: string;
  @ApiProperty({ type: String, nullable: true }) targetType!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "the action's details" })
  data!: Record<string, unknown>;
}

const BROKEN_REASONS = ['hash_mismatch', 'chain_link', 'unknown_key', 'key_went_back'] as const;

export class VerifyResponse {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'events checked' }) checked!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) headId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) firstBrokenId!: string | null;
  @ApiProperty({
    enum: BROKEN_REASONS,
    nullable: true,
    description: 'why the first broken event does not hold',
  })
  firstBrokenReason!: (typeof BROKEN_REASONS)[number] | null;
}

const CHECKPOINT_FAILURES = [
  'unknown_key',
  'bad_signature',
  'missing',
  'hash_mismatch',
  'count_mismatch',
] as const;

export class CheckpointFailureResponse {
  @ApiProperty() seq!: number;
  @ApiProperty({ enum: CHECKPOINT_FAILURES }) reason!: (typeof CHECKPOINT_FAILURES)[number];
}

export class CheckpointVerifyResponse extends VerifyResponse {
  @ApiProperty({ description: 'a checkpoint names an event that is gone: history was cut' })
  truncated!: boolean;
  @ApiProperty({ type: [CheckpointFailureResponse] }) checkpointFailures!: CheckpointFailureResponse[];
}

export class PublicKeyResponse {
  @ApiProperty() keyId!: string;
  @ApiProperty({ description: 'the Ed25519 public key, PEM' }) publicKeyPem!: string;
}

export class PublicKeyEntryResponse extends PublicKeyResponse {
  @ApiProperty({ description: 'the key that signs new checkpoints' }) current!: boolean;
}

export class PublicKeysResponse {
  @ApiProperty({ type: [PublicKeyEntryResponse] }) items!: PublicKeyEntryResponse[];
}

import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsHexadecimal,
  IsInt,
  IsISO8601,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** A checkpoint exactly as `GET /audit-events/checkpoint` returned it. */
export class CheckpointDto {
  @ApiProperty({ description: 'sequence number of the head event (0 for an empty log)' })
  @IsInt()
  @Min(0)
  seq!: number;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  @ValidateIf((o: CheckpointDto) => o.headId !== null)
  @IsUUID()
  headId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'hex HMAC-SHA256 of the head event' })
  @ValidateIf((o: CheckpointDto) => o.hash !== null)
  @IsHexadecimal()
  @Length(64, 64)
  hash!: string | null;

  @ApiProperty({ description: 'events in the log up to and including the head' })
  @IsInt()
  @Min(0)
  count!: number;

  @ApiProperty({ description: 'ISO-8601 time the checkpoint was taken' })
  @IsISO8601({ strict: true })
  at!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(64)
  keyId!: string;

  @ApiProperty({ description: 'base64 Ed25519 signature' })
  @IsBase64()
  @MaxLength(128)
  signature!: string;
}

export class VerifyCheckpointsDto {
  @ApiProperty({ type: [CheckpointDto] })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => CheckpointDto)
  checkpoints!: CheckpointDto[];
}

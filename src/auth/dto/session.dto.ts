import { ApiProperty } from '@nestjs/swagger';

/** A browser session (API.md "Sign-in and sessions"); never its secret. */
export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({
    format: 'date-time',
    description: 'when the session ends if it is not used again: the earlier of its idle and absolute ends',
  })
  expiresAt!: string;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ description: 'the session making this request' }) current!: boolean;
}

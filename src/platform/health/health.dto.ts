import { ApiProperty } from '@nestjs/swagger';

/** `GET /health` (API.md "Health"): 200 when every part is up, 503 within 2 seconds when one is not. */
export class HealthOkResponse {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ enum: ['up'] }) db!: 'up';
  @ApiProperty({ enum: ['up'] }) redis!: 'up';
  @ApiProperty({
    description:
      "measured: the server's database role owns nothing and may not change audit_events, and no DATABASE_OWNER_URL is set",
  })
  auditProtected!: boolean;
}

export class HealthDownResponse {
  @ApiProperty({ enum: ['error'] }) status!: 'error';
  @ApiProperty({ enum: ['up', 'down'] }) db!: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down'] }) redis!: 'up' | 'down';
}

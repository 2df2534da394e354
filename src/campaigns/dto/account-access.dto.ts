import { ApiProperty } from '@nestjs/swagger';

/** A group through which an application is reached. */
export class AccessViaResponse {
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty() name!: string;
}

export class AccessApplicationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [AccessViaResponse], description: 'the groups that grant it, by name' })
  via!: AccessViaResponse[];
}

export class AccessGroupResponse {
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'the active just-in-time grant behind this membership, else null (standing access)',
  })
  grantId!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'until when a review certified this membership; null when no certification is in force',
  })
  certifiedUntil!: string | null;
}

/** API.md `GET /accounts/{id}/access`: what the account reaches, and through which group. */
export class AccountAccessResponse {
  @ApiProperty({ type: [AccessApplicationResponse] }) applications!: AccessApplicationResponse[];
  @ApiProperty({ type: [AccessGroupResponse] }) groups!: AccessGroupResponse[];
}

import { ApiProperty } from '@nestjs/swagger';
import { INSIGHTS_STATES, type InsightsState } from '../../../connections/connection-insights';

export class ApplicationActivity {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: no sign-in seen' })
  lastSignInAt!: string | null;
}

/** `GET /accounts/{id}/activity` (API.md "Access, activity and drift"). */
export class AccountActivityResponse {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      "The last successful sign-in JumpCloud recorded (user portal or an SSO application); null: none seen in Directory Insights' 90-day window, or activity not read",
  })
  lastSignInAt!: string | null;
  @ApiProperty({
    type: ApplicationActivity,
    isArray: true,
    description: 'The applications the account reaches through its groups, and any it signed in to',
  })
  applications!: ApplicationActivity[];
  @ApiProperty({
    enum: INSIGHTS_STATES,
    enumName: 'InsightsState',
    description: "The connection's Directory Insights state: activity is read only while `readable`",
  })
  insights!: InsightsState;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Events are read up to this moment; null: never read, so the nulls above say nothing',
  })
  readThrough!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The oldest moment the reads cover (JumpCloud keeps 90 days of events)',
  })
  coveredFrom!: string | null;
}

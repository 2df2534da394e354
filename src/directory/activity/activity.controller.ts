import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../platform/actor';
import { ApiRoute } from '../../platform/http/openapi';
import { Authenticated, CurrentActor } from '../../platform/http/policy';
import { AccountActivityService } from './account-activity.service';
import { AccountActivityResponse } from './dto/account-activity.dto';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('api/v1')
export class ActivityController {
  constructor(private readonly activity: AccountActivityService) {}

  @Get('accounts/:id/activity')
  @Authenticated()
  @ApiRoute({
    summary: "An account's last sign-ins, overall and per application, from JumpCloud's Directory Insights",
    description:
      'JumpCloud sees only sign-ins made through it (its user portal and its SSO applications), and keeps 90 days. Read after every sync; never calls JumpCloud. Own accounts, those whose requests the caller may approve, admins and auditors.',
    body: AccountActivityResponse,
    errors: [400, 403, 404],
  })
  account(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccountActivityResponse> {
    return this.activity.forAccount(actor, id);
  }
}

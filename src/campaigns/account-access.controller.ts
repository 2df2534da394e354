import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { ApiRoute } from '../platform/http/openapi';
import { Authenticated, CurrentActor } from '../platform/http/policy';
import { AccountAccessService } from './account-access.service';
import { AccountAccessResponse } from './dto/account-access.dto';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('api/v1')
export class AccountAccessController {
  constructor(private readonly access: AccountAccessService) {}

  @Get('accounts/:id/access')
  @Authenticated()
  @ApiRoute({
    summary: 'What the account reaches: its groups and the applications they give, through which group',
    body: AccountAccessResponse,
    errors: [400, 403, 404],
  })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<AccountAccessResponse> {
    return this.access.forAccount(actor, id);
  }
}

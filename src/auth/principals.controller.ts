import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Delete,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { AuthService } from './auth.service';
import {
  CreatePrincipalDto,
  type CreatedTokenResponse,
  CreateTokenDto,
  type PrincipalResponse,
  type TokenResponse,
  UpdatePrincipalDto,
} from './dto/principal.dto';
import { type LinkedAccount } from './account-links';

@ApiTags('principals')
@ApiBearerAuth()
@Controller('api/v1')
export class PrincipalsController {
  constructor(private readonly auth: AuthService) {}

  @Post('principals')
  @AdminOnly()
  create(@CurrentActor() actor: Actor, @Body() dto: CreatePrincipalDto): Promise<PrincipalResponse> {
    return this.auth.createPrincipal(actor, dto);
  }

  @Get('principals')
  @AdminOrAuditor()
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<PrincipalResponse>> {
    return this.auth.listPrincipals(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('principals/:id')
  @AdminOrAuditor()
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<PrincipalResponse> {
    return this.auth.getPrincipal(actor, id);
  }

  @Patch('principals/:id')
  @AdminOnly()
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdatePrincipalDto,
  ): Promise<PrincipalResponse> {
    return this.auth.updatePrincipal(actor, id, dto);
  }

  @Post('principals/:id/tokens')
  @AdminOnly()
  mintFor(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateTokenDto,
  ): Promise<CreatedTokenResponse> {
    return this.auth.mintToken(actor, id, dto);
  }

  @Get('principals/:id/tokens')
  @AdminOrAuditor()
  tokens(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<TokenResponse>> {
    return this.auth.listTokens(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('me')
  @Authenticated()
  me(@CurrentActor() actor: Actor): Promise<PrincipalResponse & { accounts: LinkedAccount[] }> {
    return this.auth.me(actor);
  }

  @Post('me/tokens')
  @Authenticated()
  mintOwn(@CurrentActor() actor: Actor, @Body() dto: CreateTokenDto): Promise<CreatedTokenResponse> {
    return this.auth.mintToken(actor, actor.id, dto);
  }

  @Delete('tokens/:id')
  @Authenticated()
  @HttpCode(204)
  revoke(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.auth.revokeToken(actor, id);
  }
}

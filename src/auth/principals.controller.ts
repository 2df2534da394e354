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
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, Authenticated, CurrentActor } from '../platform/http/policy';
import { ApiTokensService } from './api-tokens.service';
import { AuthService } from './auth.service';
import {
  CreatePrincipalDto,
  CreatedTokenResponse,
  CreateTokenDto,
  MeResponse,
  PrincipalResponse,
  TokenResponse,
  UpdatePrincipalDto,
} from './dto/principal.dto';

@ApiTags('principals')
@ApiBearerAuth()
@Controller('api/v1')
export class PrincipalsController {
  constructor(
    private readonly auth: AuthService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  @Post('principals')
  @AdminOnly()
  @ApiRoute({
    summary: 'Create a principal',
    status: 201,
    body: PrincipalResponse,
    errors: [400, 403],
    codes: { 409: ['email_taken', 'email_belongs_to_person'] },
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreatePrincipalDto): Promise<PrincipalResponse> {
    return this.auth.createPrincipal(actor, dto);
  }

  @Get('principals')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List principals',
    body: { page: PrincipalResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<PrincipalResponse>> {
    return this.auth.listPrincipals(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('principals/:id')
  @AdminOrAuditor()
  @ApiRoute({ summary: 'Get a principal', body: PrincipalResponse, errors: [400, 403, 404] })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<PrincipalResponse> {
    return this.auth.getPrincipal(actor, id);
  }

  @Patch('principals/:id')
  @AdminOnly()
  @ApiRoute({
    summary: 'Change a principal: display name, roles, disabled',
    body: PrincipalResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state', 'roles_from_groups'] },
  })
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdatePrincipalDto,
  ): Promise<PrincipalResponse> {
    return this.auth.updatePrincipal(actor, id, dto);
  }

  @Post('principals/:id/tokens')
  @AdminOnly()
  @ApiRoute({
    summary: 'Mint a token for another principal (the plaintext token is returned once)',
    status: 201,
    body: CreatedTokenResponse,
    errors: [400, 404],
    codes: { 403: ['forbidden', 'bootstrap_cannot_act', 'person_tokens_are_self_service'] },
  })
  mintFor(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateTokenDto,
  ): Promise<CreatedTokenResponse> {
    return this.apiTokens.mintToken(actor, id, dto);
  }

  @Get('principals/:id/tokens')
  @AdminOrAuditor()
  @ApiRoute({
    summary: "List a principal's tokens (never the token itself)",
    body: { page: TokenResponse },
    errors: [400, 403, 404],
    codes: { 400: ['invalid_cursor'] },
  })
  tokens(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListQueryDto,
  ): Promise<Page<TokenResponse>> {
    return this.apiTokens.listTokens(actor, id, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get('me')
  @Authenticated()
  @ApiRoute({
    summary: 'The calling principal, with its linked directory accounts',
    body: MeResponse,
    errors: [],
  })
  me(@CurrentActor() actor: Actor): Promise<MeResponse> {
    return this.auth.me(actor);
  }

  @Post('me/tokens')
  @Authenticated()
  @ApiRoute({
    summary: 'Mint a token for oneself (the plaintext token is returned once)',
    status: 201,
    body: CreatedTokenResponse,
    errors: [400],
    codes: { 403: ['bootstrap_cannot_act'] },
  })
  mintOwn(@CurrentActor() actor: Actor, @Body() dto: CreateTokenDto): Promise<CreatedTokenResponse> {
    return this.apiTokens.mintToken(actor, actor.id, dto);
  }

  @Delete('tokens/:id')
  @Authenticated()
  @HttpCode(204)
  @ApiRoute({
    summary: 'Revoke a token at once (own token; admins any)',
    status: 204,
    errors: [400, 403, 404],
  })
  revoke(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.apiTokens.revokeToken(actor, id);
  }
}

import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { AuditIntegrityService } from './audit-integrity.service';
import { AuditService } from './audit.service';
import {
  AuditEventResponse,
  CheckpointVerifyResponse,
  PublicKeyResponse,
  PublicKeysResponse,
  VerifyResponse,
} from './dto/audit-event.dto';
import { AuditQueryDto } from './dto/audit-query.dto';
import { CheckpointDto, VerifyCheckpointsDto } from './dto/verify.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly integrity: AuditIntegrityService,
  ) {}

  @Get()
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List audit events in chain order',
    body: { page: AuditEventResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: AuditQueryDto): Promise<Page<AuditEventResponse>> {
    return this.audit.list(actor, {
      since: q.since ? new Date(q.since) : undefined,
      action: q.action,
      actorId: q.actorId,
      targetId: q.targetId,
      limit: q.limit ?? DEFAULT_LIMIT,
      cursor: q.cursor,
    });
  }

  @Get('verify')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'Recompute the audit chain and report its head',
    body: VerifyResponse,
    errors: [403],
    codes: { 429: ['verify_in_progress'] },
  })
  verify(@CurrentActor() actor: Actor): Promise<VerifyResponse> {
    return this.integrity.verify(actor);
  }

  @Post('verify')
  @HttpCode(200)
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'Verify the chain against checkpoints kept outside jumpgate',
    body: CheckpointVerifyResponse,
    errors: [400, 403],
    codes: { 429: ['verify_in_progress'] },
  })
  verifyCheckpoints(
    @CurrentActor() actor: Actor,
    @Body() body: VerifyCheckpointsDto,
  ): Promise<CheckpointVerifyResponse> {
    return this.integrity.verifyWithCheckpoints(actor, body.checkpoints);
  }

  @Get('checkpoint')
  @AdminOrAuditor()
  @ApiRoute({ summary: "The chain's head, signed with Ed25519", body: CheckpointDto, errors: [403] })
  checkpoint(@CurrentActor() actor: Actor): Promise<CheckpointDto> {
    return this.integrity.checkpoint(actor);
  }

  @Get('public-key')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'The public key checkpoints are signed with now',
    body: PublicKeyResponse,
    errors: [403],
  })
  publicKey(@CurrentActor() actor: Actor): PublicKeyResponse {
    return this.integrity.publicKey(actor);
  }

  @Get('public-keys')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'Every checkpoint key ever used, current and previous',
    body: PublicKeysResponse,
    errors: [403],
  })
  publicKeys(@CurrentActor() actor: Actor): PublicKeysResponse {
    return this.integrity.publicKeys(actor);
  }
}

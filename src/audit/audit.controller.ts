import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type Page } from '../platform/http/pagination';
import { AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { type Checkpoint } from './audit-checkpoint';
import {
  AuditIntegrityService,
  type CheckpointVerifyResult,
  type PublicKeyView,
  type VerifyResult,
} from './audit-integrity.service';
import { type AuditEventView, AuditService } from './audit.service';
import { AuditQueryDto } from './dto/audit-query.dto';
import { VerifyCheckpointsDto } from './dto/verify.dto';

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
  list(@CurrentActor() actor: Actor, @Query() q: AuditQueryDto): Promise<Page<AuditEventView>> {
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
  @ApiTooManyRequestsResponse({ description: 'a verify is already running in this process (Retry-After)' })
  verify(@CurrentActor() actor: Actor): Promise<VerifyResult> {
    return this.integrity.verify(actor);
  }

  @Post('verify')
  @HttpCode(200)
  @AdminOrAuditor()
  @ApiTooManyRequestsResponse({ description: 'a verify is already running in this process (Retry-After)' })
  verifyCheckpoints(
    @CurrentActor() actor: Actor,
    @Body() body: VerifyCheckpointsDto,
  ): Promise<CheckpointVerifyResult> {
    return this.integrity.verifyWithCheckpoints(actor, body.checkpoints);
  }

  @Get('checkpoint')
  @AdminOrAuditor()
  checkpoint(@CurrentActor() actor: Actor): Promise<Checkpoint> {
    return this.integrity.checkpoint(actor);
  }

  @Get('public-key')
  @AdminOrAuditor()
  publicKey(@CurrentActor() actor: Actor): PublicKeyView {
    return this.integrity.publicKey(actor);
  }

  @Get('public-keys')
  @AdminOrAuditor()
  publicKeys(@CurrentActor() actor: Actor): { items: (PublicKeyView & { current: boolean })[] } {
    return this.integrity.publicKeys(actor);
  }
}

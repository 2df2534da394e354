import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type Page } from '../platform/http/pagination';
import { AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { type AuditEventView, AuditService, type VerifyResult } from './audit.service';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

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
  verify(@CurrentActor() actor: Actor): Promise<VerifyResult> {
    return this.audit.verify(actor);
  }
}

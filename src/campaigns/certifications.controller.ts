import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { CertificationsService } from './certifications.service';
import { CertificationResponse, CertificationsQueryDto } from './dto/certification.dto';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/v1')
export class CertificationsController {
  constructor(private readonly certifications: CertificationsService) {}

  @Get('certifications')
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'Certifications in force: memberships a closed campaign kept, until when',
    body: { page: CertificationResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(
    @CurrentActor() actor: Actor,
    @Query() q: CertificationsQueryDto,
  ): Promise<Page<CertificationResponse>> {
    return this.certifications.list(
      actor,
      { accountId: q.accountId, groupId: q.groupId },
      q.limit ?? DEFAULT_LIMIT,
      q.cursor,
    );
  }
}

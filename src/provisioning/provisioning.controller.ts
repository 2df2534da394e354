import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type Page } from '../platform/http/pagination';
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { OperationResponse, OperationsQueryDto } from './dto/provisioning.dto';
import { ProvisioningOperationsService } from './provisioning-operations.service';

@ApiTags('provisioning')
@ApiBearerAuth()
@Controller('api/v1/provisioning-operations')
export class ProvisioningController {
  constructor(private readonly provisioning: ProvisioningOperationsService) {}

  @Get()
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List provisioning operations (the outbox of JumpCloud changes)',
    body: { page: OperationResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: OperationsQueryDto): Promise<Page<OperationResponse>> {
    return this.provisioning.list(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get(':id')
  @AdminOrAuditor()
  @ApiRoute({ summary: 'Get a provisioning operation', body: OperationResponse, errors: [400, 403, 404] })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<OperationResponse> {
    return this.provisioning.get(actor, id);
  }

  @Post(':id/retry')
  @AdminOnly()
  @HttpCode(200)
  @ApiRoute({
    summary: 'Retry a failed operation',
    body: OperationResponse,
    errors: [400, 403, 404],
    codes: { 409: ['invalid_state', 'grant_not_waiting'] },
  })
  retry(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<OperationResponse> {
    return this.provisioning.retry(actor, id);
  }
}

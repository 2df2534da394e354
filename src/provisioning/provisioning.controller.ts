import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, type Page } from '../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { type OperationResponse, OperationsQueryDto } from './dto/provisioning.dto';
import { ProvisioningOperationsService } from './provisioning-operations.service';

@ApiTags('provisioning')
@ApiBearerAuth()
@Controller('api/v1/provisioning-operations')
export class ProvisioningController {
  constructor(private readonly provisioning: ProvisioningOperationsService) {}

  @Get()
  @AdminOrAuditor()
  list(@CurrentActor() actor: Actor, @Query() q: OperationsQueryDto): Promise<Page<OperationResponse>> {
    return this.provisioning.list(actor, q, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get(':id')
  @AdminOrAuditor()
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<OperationResponse> {
    return this.provisioning.get(actor, id);
  }

  @Post(':id/retry')
  @AdminOnly()
  @HttpCode(200)
  retry(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<OperationResponse> {
    return this.provisioning.retry(actor, id);
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { ApiRoute } from '../http/openapi';
import { Public } from '../http/policy';
import { HealthDownResponse, HealthOkResponse } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiRoute({
    summary: 'Is the server up, with its database and Redis',
    public: true,
    body: HealthOkResponse,
    errors: [],
  })
  @ApiServiceUnavailableResponse({ description: 'A part is down', type: HealthDownResponse })
  async get(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthOkResponse | HealthDownResponse> {
    const report = await this.health.check();
    void reply.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}

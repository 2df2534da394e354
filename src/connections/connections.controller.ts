import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../platform/actor';
import { DEFAULT_LIMIT, ListQueryDto, type Page } from '../platform/http/pagination';
import { AdminOnly, AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { ConnectionsService } from './connections.service';
import {
  type ConnectionResponse,
  type ConnectionTestResponse,
  CreateConnectionDto,
  TestConnectionDto,
  UpdateConnectionDto,
} from './dto/connection.dto';

@ApiTags('connections')
@ApiBearerAuth()
@Controller('api/v1/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Post('test')
  @AdminOnly()
  @HttpCode(200)
  test(@CurrentActor() actor: Actor, @Body() dto: TestConnectionDto): Promise<ConnectionTestResponse> {
    return this.connections.test(actor, dto);
  }

  @Post()
  @AdminOnly()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateConnectionDto): Promise<ConnectionResponse> {
    return this.connections.create(actor, dto);
  }

  @Get()
  @AdminOrAuditor()
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<ConnectionResponse>> {
    return this.connections.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get(':id')
  @AdminOrAuditor()
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<ConnectionResponse> {
    return this.connections.get(actor, id);
  }

  @Patch(':id')
  @AdminOnly()
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateConnectionDto,
  ): Promise<ConnectionResponse> {
    return this.connections.update(actor, id, dto);
  }

  @Delete(':id')
  @AdminOnly()
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.connections.remove(actor, id);
  }
}

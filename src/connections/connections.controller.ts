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
import { ApiRoute } from '../platform/http/openapi';
import { AdminOnly, AdminOrAuditor, CurrentActor } from '../platform/http/policy';
import { ConnectionsService } from './connections.service';
import {
  ConnectionResponse,
  ConnectionTestFailed,
  ConnectionTestPassed,
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
  @ApiRoute({
    summary: 'Try credentials without saving them',
    description:
      'Always 200 for an answer from JumpCloud: `ok: false` with a `code` says why the credentials do not work.',
    body: { oneOf: [ConnectionTestPassed, ConnectionTestFailed] },
    errors: [400, 403],
  })
  test(@CurrentActor() actor: Actor, @Body() dto: TestConnectionDto): Promise<ConnectionTestResponse> {
    return this.connections.test(actor, dto);
  }

  @Post()
  @AdminOnly()
  @ApiRoute({
    summary: 'Create a connection (credentials are tested first)',
    status: 201,
    body: ConnectionResponse,
    errors: [403],
    codes: { 400: ['bad_credentials', 'wrong_org', 'missing_permission'], 502: ['unavailable'] },
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateConnectionDto): Promise<ConnectionResponse> {
    return this.connections.create(actor, dto);
  }

  @Get()
  @AdminOrAuditor()
  @ApiRoute({
    summary: 'List connections',
    body: { page: ConnectionResponse },
    errors: [400, 403],
    codes: { 400: ['invalid_cursor'] },
  })
  list(@CurrentActor() actor: Actor, @Query() q: ListQueryDto): Promise<Page<ConnectionResponse>> {
    return this.connections.list(actor, q.limit ?? DEFAULT_LIMIT, q.cursor);
  }

  @Get(':id')
  @AdminOrAuditor()
  @ApiRoute({ summary: 'Get a connection', body: ConnectionResponse, errors: [400, 403, 404] })
  get(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<ConnectionResponse> {
    return this.connections.get(actor, id);
  }

  @Patch(':id')
  @AdminOnly()
  @ApiRoute({
    summary: 'Rename a connection, change its sync interval or its credentials (tested, same organisation)',
    body: ConnectionResponse,
    errors: [403, 404],
    codes: { 400: ['bad_credentials', 'wrong_org', 'missing_permission'], 502: ['unavailable'] },
  })
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateConnectionDto,
  ): Promise<ConnectionResponse> {
    return this.connections.update(actor, id, dto);
  }

  @Post(':id/test')
  @AdminOnly()
  @HttpCode(200)
  @ApiRoute({
    summary: "Test a saved connection's stored credentials (and refresh its `insights`)",
    description:
      'Always 200 for an answer from JumpCloud: `ok: false` with a `code` says why the stored credentials no longer work.',
    body: { oneOf: [ConnectionTestPassed, ConnectionTestFailed] },
    errors: [400, 403, 404],
  })
  testSaved(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConnectionTestResponse> {
    return this.connections.testSaved(actor, id);
  }

  @Delete(':id')
  @AdminOnly()
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete a connection: syncing stops; its evidence remains',
    status: 204,
    errors: [400, 403, 404],
    codes: { 409: ['connection_in_use'] },
  })
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.connections.remove(actor, id);
  }
}

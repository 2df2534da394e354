import 'reflect-metadata';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { arg } from './ceiling';

/**
 * HTTP ceiling — bare, no jumpgate code: `node dist/bench/ceilings/http.js --database-url URL --port N
 * [--pool 20]`. A NestJS 12 app on Fastify with one module and one route, `GET /ping`, which runs
 * `SELECT 1` on a `pg` pool (the same size as jumpgate's) and answers `{ ok: 1 }`. No logging, no
 * guards, no validation: what a route costs when it does one round trip to Postgres. Prints one JSON
 * line with its parameters once it listens.
 */
const PG = Symbol('pg');

@Controller()
class PingController {
  constructor(@Inject(PG) private readonly pool: Pool) {}

  @Get('ping')
  async ping(): Promise<{ ok: number }> {
    const { rows } = await this.pool.query<{ ok: number }>('SELECT 1 AS ok');
    return { ok: rows[0].ok };
  }
}

async function main(): Promise<void> {
  const port = Number(arg('port'));
  const poolSize = Number(arg('pool', '20'));
  const pool = new Pool({ connectionString: arg('database-url'), max: poolSize });

  @Module({ controllers: [PingController], providers: [{ provide: PG, useValue: pool }] })
  class CeilingModule {}

  const app = await NestFactory.create<NestFastifyApplication>(CeilingModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(port, '127.0.0.1');
  process.stdout.write(
    JSON.stringify({
      ceiling: 'http',
      parameters: { framework: 'NestJS 12 + Fastify', route: 'GET /ping → SELECT 1 (pg)', poolSize, port },
      url: `http://127.0.0.1:${port}/ping`,
    }) + '\n',
  );
  const stop = () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

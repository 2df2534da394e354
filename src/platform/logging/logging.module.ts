import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { type DestinationStream, type LoggerOptions } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { type IncomingMessage } from 'node:http';
import { type AppConfig, sensitiveValues } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { makeRedactor, REDACT_PATHS, urlForLog } from './redact';

/**
 * pino's options for every line the server writes: known secrets and secret-shaped strings removed
 * before a line is written, and request URLs redacted and cut (urlForLog). Exported for bench/logger.ts,
 * which measures exactly this.
 */
export function pinoOptions(config: AppConfig): LoggerOptions {
  const scrub = makeRedactor(sensitiveValues(config));
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: scrub },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: typeof req.url === 'string' ? urlForLog(req.url, scrub) : req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** Structured JSON logs (pino), with secrets removed before a line is written. */
@Module({})
export class LoggingModule {
  /** `stream` replaces stdout (tests capture every line to search it for secrets). */
  static forRoot(stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const options = {
              ...pinoOptions(config),
              // Health probes would drown everything else. The middleware mount strips the matched
              // path from req.url, so the request's own path is in originalUrl.
              autoLogging: {
                ignore: (req: IncomingMessage & { originalUrl?: string }) =>
                  (req.originalUrl ?? req.url)?.split('?')[0] === '/health',
              },
            };
            return {
              pinoHttp: stream ? [options, stream] : options,
              // Every route, spelled out: nestjs-pino 5's default route ('{/*splat}') matches no request
              // on @nestjs/platform-fastify 12.6, so no request would be logged at all.
              forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
            };
          },
        }),
      ],
    };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { type IncomingMessage } from 'node:http';
import { type AppConfig, sensitiveValues } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { makeRedactor, REDACT_PATHS } from './redact';

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
            const scrub = makeRedactor(sensitiveValues(config));
            const options = {
              level: config.logLevel,
              redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
              hooks: { streamWrite: scrub },
              // Health probes would drown everything else.
              autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
              serializers: {
                req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
                  id: req.id,
                  method: req.method,
                  url: req.url,
                  remoteAddress: req.remoteAddress,
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
            };
            return { pinoHttp: stream ? [options, stream] : options };
          },
        }),
      ],
    };
  }
}

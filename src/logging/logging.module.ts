import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppLogger } from './app-logger.js';

/** Structured JSON logs (pino) at LOG_LEVEL; configureApp installs AppLogger and the request log. */
@Global()
@Module({
  providers: [
    { provide: AppLogger, inject: [AppConfig], useFactory: ({ log }: AppConfig) => AppLogger.create(log.level) },
  ],
  exports: [AppLogger],
})
export class LoggingModule {}

import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config.js';

/** Loads `.env` (if present) over the process environment and provides the validated AppConfig. */
@Global()
@Module({
  imports: [NestConfigModule.forRoot()],
  providers: [{ provide: AppConfig, useFactory: () => AppConfig.fromEnv(process.env) }],
  exports: [AppConfig],
})
export class ConfigModule {}

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { appOptions, configureApp } from './app.setup.js';
import { AppModule } from './app.module.js';
import { InstanceLockedError } from './bus/instance-lock.js';
import { AppConfig, ConfigError } from './config/app-config.js';

/** A shutdown that has not finished by then is cut short: PM2's kill_timeout is longer. */
const SHUTDOWN_DEADLINE_MS = 9_000;

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, appOptions);
  configureApp(app);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref());
  }
  const { port, host } = app.get(AppConfig).http;
  await app.listen(port, host);
  app.get(Logger).log(`cohora listening on ${await app.getUrl()}`, 'Bootstrap');
  // PM2's wait_ready: the process counts as up only once it listens.
  process.send?.('ready');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`cohora: invalid configuration: ${error.message}\n`);
  } else if (error instanceof InstanceLockedError) {
    process.stderr.write(`cohora: ${error.message}\n`);
  } else {
    process.stderr.write(`cohora: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { appOptions, configureApp } from './app.setup.js';
import { AppModule } from './app.module.js';
import { InstanceLockedError } from './storage/sqlite/instance-lock.js';
import { stopTakingConnections } from './common/http-drain.js';
import { exitWithNpmLauncher } from './common/launcher-watch.js';
import { AppConfig, ConfigError } from './config/app-config.js';
import { AppLogger } from './logging/app-logger.js';
import { StorageOpenError } from './storage/storage-engine.js';

/** A shutdown that has not finished by then is cut short: PM2's kill_timeout is longer. */
const SHUTDOWN_DEADLINE_MS = 9_000;

async function bootstrap(): Promise<void> {
  // Checked before Nest starts, so a bad value is one line, not a boot log and a stack trace.
  const { port, host } = AppConfig.fromEnv(process.env).http;
  exitWithNpmLauncher(process.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule, appOptions);
  configureApp(app);
  const logger = app.get(AppLogger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received: closing sockets, finishing requests`, 'Shutdown');
      setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
      // New connections go elsewhere first; then sockets close with 1012 and requests finish.
      stopTakingConnections(app.getHttpServer())
        .then(() => app.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error(`Shutdown failed: ${String(error)}`, 'Shutdown');
            process.exit(1);
          },
        );
    });
  }
  await app.listen(port, host);
  logger.log(`cohora listening on ${await app.getUrl()}`, 'Bootstrap');
  // PM2's wait_ready: the process counts as up only once it listens.
  process.send?.('ready');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`cohora: invalid configuration: ${error.message}\n`);
  } else if (error instanceof InstanceLockedError || error instanceof StorageOpenError) {
    process.stderr.write(`cohora: ${error.message}\n`);
  } else {
    process.stderr.write(`cohora: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});

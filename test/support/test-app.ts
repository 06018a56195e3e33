import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { appOptions, configureApp } from '../../src/app.setup.js';
import { AppConfig } from '../../src/config/app-config.js';
import { ApiClient } from './api-client.js';

export type { HttpResult } from './api-client.js';

/**
 * Tests register users and send messages from one address far faster than any person: the
 * HTTP rate limits are off unless a test sets them (rate-limits.e2e-spec.ts checks the defaults).
 */
export const TEST_RATE_LIMITS = { RATE_LIMIT_CREATE: 'off', RATE_LIMIT_SEND: 'off' };

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'cohora-test-'));
}

/**
 * The real AppModule, configured as in production by configureApp, listening on a free port
 * with its own data directory. `env` takes the same variables as the server.
 */
export class TestApp extends ApiClient {
  private constructor(
    readonly app: NestExpressApplication,
    baseUrl: string,
    readonly dataDir: string,
  ) {
    super(baseUrl);
  }

  static async start(env: Record<string, string> = {}, dataDir = tempDataDir()): Promise<TestApp> {
    const config = AppConfig.fromEnv({ LOG_LEVEL: 'silent', ...TEST_RATE_LIMITS, ...env, DATA_DIR: dataDir });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(AppConfig)
      .useValue(config)
      .compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>(appOptions);
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return new TestApp(app, url, dataDir);
  }

  /** Stops the app as SIGTERM would, keeping its data directory (for restart tests). */
  async stop(): Promise<void> {
    await this.app.close();
    this.terminateSockets();
  }

  /** Stops the app and removes its data. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

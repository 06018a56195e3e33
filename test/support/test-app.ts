import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { appOptions, configureApp } from '../../src/app.setup.js';
import { AppConfig } from '../../src/config/app-config.js';
import { ApiClient } from './api-client.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from './redis-server.js';
import { Nginx } from './nginx.js';
import { TcpProxy } from './tcp-proxy.js';

export type { HttpResult } from './api-client.js';

/**
 * Tests register users and send messages from one address far faster than any person: the
 * HTTP rate limits are off unless a test sets them (rate-limits.e2e-spec.ts checks the defaults).
 */
export const TEST_RATE_LIMITS = { RATE_LIMIT_CREATE: 'off', RATE_LIMIT_SEND: 'off' };

/** What stands in front of the two apps of a cluster layout. */
interface Balancer {
  readonly port: number;
  close(): Promise<void>;
}

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
    private readonly cluster?: { peer: NestExpressApplication; balancer: Balancer },
  ) {
    super(baseUrl);
  }

  /**
   * With COHORA_TEST_LAYOUT=two-processes in the environment (the `e2e-cluster` test project),
   * the app is two: two AppModules on one data directory and one Redis bus, behind a TCP
   * balancer that deals connections to them in turn, so the same tests run against a cluster.
   * With COHORA_TEST_LAYOUT=nginx (the `e2e-nginx` project) the balancer is Debian's nginx with
   * the shipped deploy/nginx/cohora.conf, and the apps trust it for X-Forwarded-For.
   * `port` 0 picks a free one; a restart test passes the port the first app had.
   */
  static async start(env: Record<string, string> = {}, dataDir = tempDataDir(), port = 0): Promise<TestApp> {
    const layout = process.env.COHORA_TEST_LAYOUT;
    if (layout !== 'two-processes' && layout !== 'nginx') {
      const app = await startApp(env, dataDir, port);
      return new TestApp(app, await urlOf(app), dataDir);
    }
    const proxy: Record<string, string> = layout === 'nginx' ? { TRUST_PROXY: '127.0.0.1' } : {};
    const bus = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix(), ...proxy, ...env };
    const [app, peer] = [await startApp(bus, dataDir), await startApp(bus, dataDir)];
    const ports = await Promise.all([app, peer].map(async (each) => Number(new URL(await urlOf(each)).port)));
    const balancer: Balancer =
      layout === 'nginx' ? await Nginx.start(ports.map((each) => `127.0.0.1:${each}`)) : await TcpProxy.start(ports);
    return new TestApp(app, `http://127.0.0.1:${balancer.port}`, dataDir, { peer, balancer });
  }

  /** Two processes behind a balancer (the e2e-cluster and e2e-nginx projects). */
  get isCluster(): boolean {
    return this.cluster !== undefined;
  }

  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }

  /** Stops the app as SIGTERM would, keeping its data directory (for restart tests). */
  async stop(): Promise<void> {
    await Promise.all([this.app.close(), this.cluster?.peer.close()]);
    this.terminateSockets();
    await this.cluster?.balancer.close();
  }

  /** Stops the app and removes its data. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function startApp(env: Record<string, string>, dataDir: string, port = 0): Promise<NestExpressApplication> {
  const config = AppConfig.fromEnv({ LOG_LEVEL: 'silent', ...TEST_RATE_LIMITS, ...env, DATA_DIR: dataDir });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(appOptions);
  configureApp(app);
  await app.listen(port, '127.0.0.1');
  return app;
}

async function urlOf(app: NestExpressApplication): Promise<string> {
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

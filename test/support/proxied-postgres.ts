import { TcpProxy } from './tcp-proxy.js';
import { TestSchema } from './test-schema.js';

/**
 * A PostgreSQL schema of the test's own, reached through a TcpProxy the test controls, so the
 * database can refuse, stall or lose answers while cohora runs on it.
 */
export class ProxiedPostgres {
  private constructor(
    readonly schema: TestSchema,
    readonly proxy: TcpProxy,
  ) {}

  static async start(): Promise<ProxiedPostgres> {
    const schema = await TestSchema.create();
    return new ProxiedPostgres(schema, await TcpProxy.start(Number(new URL(schema.url).port || 5432)));
  }

  /** cohora's settings for it: through the proxy, and a small pool, so a fault reaches every connection soon. */
  get env(): Record<string, string> {
    return { DATABASE_URL: this.schema.urlVia(this.proxy.port), DATABASE_POOL_SIZE: '4' };
  }

  async close(): Promise<void> {
    await this.proxy.close();
    await this.schema.drop();
  }
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from './api-client.js';
import { freePort } from './free-port.js';
import { Pm2Daemon } from './pm2-daemon.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from './redis-server.js';
import { TestSchema } from './test-schema.js';

/** The shipped ecosystem file's two multi-process profiles, with this machine's Redis and PostgreSQL. */
export const CLUSTER_PROFILES = [
  { layout: 'cluster', store: 'SQLite' },
  { layout: 'hosts', store: 'PostgreSQL' },
] as const;

export type ClusterLayout = (typeof CLUSTER_PROFILES)[number]['layout'];

/**
 * A profile of ecosystem.config.cjs with two workers (as `instances: 'max'` gives on two
 * cores, whatever this machine has) under a PM2 daemon of its own, on a free port.
 */
export class Pm2Cluster {
  private constructor(
    readonly daemon: Pm2Daemon,
    readonly name: string,
    readonly api: ApiClient,
    private readonly schema?: TestSchema,
  ) {}

  static async start(layout: ClusterLayout, env: Record<string, string> = {}): Promise<Pm2Cluster> {
    const daemon = new Pm2Daemon();
    const port = await freePort();
    const schema = layout === 'hosts' ? await TestSchema.create() : undefined;
    const name = `cohora-${layout}`;
    await daemon.startShipped(
      name,
      layout,
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        REDIS_URL: SHARED_REDIS_URL,
        REDIS_PREFIX: uniqueRedisPrefix(),
        ...(schema ? { DATABASE_URL: schema.url } : {}),
        ...env,
      },
      { instances: 2 },
    );
    return new Pm2Cluster(daemon, name, new ApiClient(`http://127.0.0.1:${port}`), schema);
  }

  /** `pm2 reload`: each worker replaced in turn by a new one once that is ready. */
  async reload(): Promise<void> {
    await this.daemon.pm2('reload', this.name);
  }

  async pids(): Promise<number[]> {
    return (await this.daemon.list()).map((worker) => worker.pid);
  }

  /** How the replaced workers exited, from PM2's log: exit code → count (cohora exits 1 only at its deadline). */
  workerExits(): Record<string, number> {
    const exits: Record<string, number> = {};
    const log = readFileSync(join(this.daemon.home, 'pm2', 'pm2.log'), 'utf8');
    for (const [, code] of log.matchAll(/exited with code \[(\w+)\]/g)) exits[code] = (exits[code] ?? 0) + 1;
    return exits;
  }

  async stop(): Promise<void> {
    await this.daemon.kill();
    await this.schema?.drop();
  }
}

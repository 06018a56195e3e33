import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { InstanceLockedError } from '../../src/storage/sqlite/instance-lock.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { runServerToExit } from '../support/server-process.js';
import { TestApp, tempDataDir } from '../support/test-app.js';

/** Deployments whose processes could not reach each other's sockets are refused at boot. */
describe('deployment layouts', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function dataDir(): string {
    const dir = tempDataDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async function start(env: Record<string, string>, dir: string): Promise<TestApp> {
    const app = await TestApp.start(env, dir);
    cleanups.push(() => app.stop());
    return app;
  }

  const redis = (prefix = uniqueRedisPrefix()) => ({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });

  it('lets any number of processes on the same Redis bus share one SQLite file', async () => {
    const dir = dataDir();
    const bus = redis();
    await start(bus, dir);
    await start(bus, dir);
    await start(bus, dir);
  });

  it('refuses an in-process-bus process on data that processes on Redis serve, and the reverse', async () => {
    const onRedis = dataDir();
    await start(redis(), onRedis);
    await expect(TestApp.start({}, onRedis)).rejects.toThrow(/serve .* on a different bus/);

    const local = dataDir();
    await start({}, local);
    await expect(TestApp.start(redis(), local)).rejects.toThrow(InstanceLockedError);
  });

  it('refuses a process whose Redis prefix differs from the others on the same data', async () => {
    const dir = dataDir();
    await start(redis('cohora-a:'), dir);
    await expect(TestApp.start(redis('cohora-b:'), dir)).rejects.toThrow(
      /must have the same REDIS_URL and REDIS_PREFIX/,
    );
  });

  it('keeps guarding the data after the process holding the lock stops', async () => {
    const dir = dataDir();
    const bus = redis();
    const first = await TestApp.start(bus, dir);
    await start(bus, dir);
    await first.stop();
    // The second process takes the lock over at once: an in-process-bus process is still refused.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(TestApp.start({}, dir)).rejects.toThrow(InstanceLockedError);
  });

  it('refuses PM2 cluster mode without REDIS_URL, with one line and exit code 1', async () => {
    const result = await runServerToExit({ DATA_DIR: dataDir(), exec_mode: 'cluster_mode' });
    expect(result.code).toBe(1);
    expect(result.output.trim().split('\n')).toHaveLength(1);
    expect(result.output).toMatch(/PM2 cluster mode needs REDIS_URL/);
  });
});

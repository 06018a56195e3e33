import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { freePort } from '../support/free-port.js';
import { Pm2Daemon } from '../support/pm2-daemon.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ResumingClient } from '../support/resuming-client.js';
import { TestSchema } from '../support/test-schema.js';

/** The shipped ecosystem file's two cluster profiles, with this machine's Redis and PostgreSQL. */
const PROFILES = [
  { layout: 'cluster', store: 'SQLite', setUp: () => Promise.resolve({ env: {}, tearDown: () => Promise.resolve() }) },
  {
    layout: 'hosts',
    store: 'PostgreSQL',
    setUp: async () => {
      const schema = await TestSchema.create();
      return { env: { DATABASE_URL: schema.url }, tearDown: () => schema.drop() };
    },
  },
];

/**
 * A profile of ecosystem.config.cjs with two workers under a real PM2 daemon: PM2 spreads
 * connections over the workers, so pushes must cross between them.
 */
describe.each(PROFILES)('under PM2, COHORA_LAYOUT=$layout ($store + Redis, 2 workers)', ({ layout, setUp }) => {
  const daemon = new Pm2Daemon();
  let api: ApiClient;
  let wsUrl: string;
  let tearDown: () => Promise<void>;

  beforeAll(async () => {
    const port = await freePort();
    api = new ApiClient(`http://127.0.0.1:${port}`);
    wsUrl = `ws://127.0.0.1:${port}/ws`;
    const store = await setUp();
    tearDown = store.tearDown;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: uniqueRedisPrefix(),
      ...store.env,
    };
    // Two workers, as `instances: 'max'` gives on two cores, whatever this machine has.
    await daemon.startShipped(`cohora-${layout}`, layout, env, { instances: 2 });
  }, 60_000);

  afterAll(async () => {
    await daemon.kill();
    await tearDown?.();
  });

  it('runs two workers in cluster mode, and delivers whichever worker holds the socket', async () => {
    const workers = await daemon.list();
    expect(workers).toHaveLength(2);
    expect(workers.every((worker) => worker.pm2_env.exec_mode === 'cluster_mode')).toBe(true);
    expect(workers.every((worker) => worker.pm2_env.status === 'online')).toBe(true);

    // Six sockets and thirty sends spread round-robin: pushes cross workers both ways.
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => api.createUser(`spread${i}`)));
    const sockets = await Promise.all(users.map((user) => api.connectLive(user.id)));
    for (let i = 0; i < 30; i++) {
      const res = await api.send(users[i % 6].id, `hello ${i}`, users[(i + 1) % 6].id);
      expect(res.status).toBe(200);
      expect(res.body.delivery).toBe('delivered');
    }
    for (const [i, socket] of sockets.entries()) {
      const texts = (await socket.nextFrames(5)).map((frame) => frame.message);
      expect(texts).toEqual([0, 1, 2, 3, 4].map((k) => `hello ${i + 6 * k}`));
    }
    api.terminateSockets();
  });

  it('reloads under steady send load with no failed request and no lost message', async () => {
    const receivers = await Promise.all(Array.from({ length: 4 }, (_, i) => api.createUser(`receiver${i}`)));
    const sender = await api.createUser('sender');
    const clients = receivers.map((user) => new ResumingClient(wsUrl, user.id));
    const pidsBefore = (await daemon.list()).map((worker) => worker.pid);

    const accepted: { id: string; recipient: number }[] = [];
    const failures: string[] = [];
    let sending = true;
    const loops = [0, 1, 2].map(async (loop) => {
      for (let i = 0; sending; i++) {
        const recipient = (loop + i) % receivers.length;
        try {
          const res = await fetch(`${api.baseUrl}/api/messages/send`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              recipient_id: receivers[recipient].id,
              message: `${loop}:${i}`,
              sender_id: sender.id,
            }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { status?: string };
          if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
          else accepted.push({ id: `${loop}:${i}`, recipient });
        } catch (error) {
          failures.push(String((error as Error).cause ?? error));
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 500));
    await daemon.pm2('reload', `cohora-${layout}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    sending = false;
    await Promise.all(loops);

    const workers = await daemon.list();
    expect(workers.every((worker) => !pidsBefore.includes(worker.pid))).toBe(true);
    expect(failures).toEqual([]);
    expect(accepted.length).toBeGreaterThan(100);

    // Every accepted message reaches its recipient, through reconnects and resumes.
    const expected = receivers.map((_, r) => accepted.filter((message) => message.recipient === r).map((m) => m.id));
    const deadline = Date.now() + 15_000;
    const arrived = () => clients.map((client) => [...client.received.values()].map((frame) => frame.message));
    while (Date.now() < deadline && arrived().some((texts, r) => texts.length < expected[r].length)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const missing = arrived().map((texts, r) => expected[r].filter((id) => !texts.includes(id)));
    expect(missing).toEqual(receivers.map(() => []));
    expect(arrived().map((texts) => texts.length)).toEqual(expected.map((ids) => ids.length));
    expect(clients.some((client) => client.reconnects > 0)).toBe(true);
    for (const client of clients) client.stop();
  }, 90_000);
});

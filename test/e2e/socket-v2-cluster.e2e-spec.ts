import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { tempDataDir } from '../support/test-app.js';

/**
 * cohora.v2 across real processes on one Redis bus and one SQLite file: sends, directory and
 * presence must not depend on which process a client's socket landed on, and a process
 * killed with -9 takes its users offline once its lease lapses.
 */
describe('cohora.v2 across two processes on Redis', () => {
  const dataDir = tempDataDir();
  const env = {
    DATA_DIR: dataDir,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_PREFIX: uniqueRedisPrefix(),
    RATE_LIMIT_CREATE: 'off',
    RATE_LIMIT_SEND: 'off',
  };
  let processes: ServerProcess[];

  beforeAll(async () => {
    processes = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  });
  afterAll(async () => {
    for (const process of processes ?? []) process.api.terminateSockets();
    await Promise.all((processes ?? []).map((process) => process.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const a = () => processes[0].api;
  const b = () => processes[1].api;
  let n = 0;
  const user = (prefix = 'c') => a().createUser(`${prefix}${++n}`);

  it('acks a send on one process and delivers it to a socket on the other', async () => {
    const [alice, bob] = [await user(), await user()];
    const inbox = await b().connectLive(bob.id);
    const socket = await a().connectV2(alice.id);
    const key = randomUUID();
    socket.sendMessage(key, bob.id, 'across');
    expect(await socket.answer(key)).toMatchObject({ type: 'ack', delivery: 'delivered' });
    expect(await inbox.nextFrame()).toMatchObject({ from_id: alice.id, message: 'across' });
  });

  it('replays a key used on the other process: one send, one message id', async () => {
    const [alice, bob] = [await user(), await user()];
    const key = randomUUID();
    const [onA, onB] = [await a().connectV2(alice.id), await b().connectV2(alice.id)];
    onA.sendMessage(key, bob.id, 'once');
    const first = await onA.answer(key);
    onB.sendMessage(key, bob.id, 'once');
    expect(await onB.answer(key)).toEqual(first);
    const inbox = await a().connect(bob.id);
    expect((await inbox.nextFrame()).message).toBe('once');
    const probe = randomUUID();
    onA.sendMessage(probe, bob.id, 'probe');
    expect((await inbox.nextFrame()).message).toBe('probe');
  });

  it('announces a user registered through one process to a socket on the other', async () => {
    const alice = await user();
    const socket = await b().connectV2(alice.id);
    const later = await a().createUser(`later${++n}`);
    for (;;) {
      const frame = await socket.next('users');
      if (frame.added.some((u) => u.id === later.id)) break;
    }
  });

  it('reports a user online and offline to a watcher on the other process, within about 2 s', async () => {
    const [alice, bob] = [await user(), await user()];
    const watcher = await a().connectV2(alice.id);
    watcher.watch([bob.id]);
    expect((await watcher.next('presence')).offline).toEqual([bob.id]);
    const openedAt = performance.now();
    const tab = await b().connect(bob.id);
    const online = await watcher.next('presence');
    expect(online.online).toEqual([bob.id]);
    expect(watcher.receivedAt(online) - openedAt).toBeLessThan(2_000);
    // A second socket on the other process: still online, nothing to report when one closes.
    await a().connectV2(bob.id);
    tab.close();
    const carol = await user();
    watcher.watch([bob.id, carol.id]);
    expect(await watcher.next('presence')).toMatchObject({ online: [bob.id] });
  });

  it('takes the users of a process killed with -9 offline once its lease lapses', { timeout: 40_000 }, async () => {
    const [alice, bob] = [await user(), await user()];
    const victim = await ServerProcess.start(env);
    try {
      await victim.api.connectV2(bob.id);
      const watcher = await a().connectV2(alice.id);
      watcher.watch([bob.id]);
      await watcher.presenceUntil((frame) => frame.online.includes(bob.id));
      const killedAt = performance.now();
      await victim.stop('SIGKILL');
      const offline = await watcher.presenceUntil((frame) => frame.offline.includes(bob.id), 30_000);
      const after = watcher.receivedAt(offline) - killedAt;
      // The lease is 15 s, renewed every 5 s and swept every 5 s.
      expect(after).toBeGreaterThan(9_000);
      expect(after).toBeLessThan(25_000);
    } finally {
      victim.api.terminateSockets();
    }
  });
});

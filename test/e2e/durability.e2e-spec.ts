import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InstanceLockedError } from '../../src/storage/sqlite/instance-lock.js';
import { runServerToExit, ServerProcess } from '../support/server-process.js';
import { TestApp, tempDataDir } from '../support/test-app.js';
import { WsClient } from '../support/ws-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const dir = tempDataDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function post(baseUrl: string, path: string, body: unknown) {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('durability', () => {
  it('keeps users and queued messages across a restart on the same DATA_DIR', async () => {
    const dir = dataDir();
    const first = await TestApp.start({}, dir);
    const alice = await first.createUser('Alice');
    const bob = await first.createUser('Bob');
    for (const text of ['one', 'two', 'three'])
      expect((await first.send(bob.id, text, alice.id)).body.delivery).toBe('queued');
    await first.stop();

    const second = await TestApp.start({}, dir);
    cleanups.push(() => second.stop());
    expect((await second.get('/api/users/list')).body.users).toEqual({ Alice: alice.id, Bob: bob.id });
    expect((await second.post('/api/users/create', { name: 'alice' })).status).toBe(409);
    const tab = await second.connect(bob.id);
    const frames = await tab.nextFrames(3);
    expect(frames.map((f) => [f.from, f.message])).toEqual([
      ['Alice', 'one'],
      ['Alice', 'two'],
      ['Alice', 'three'],
    ]);
    await second.send(bob.id, 'four');
    const [four] = await tab.nextFrames(1);
    expect(four.id > frames[2].id).toBe(true);
  });

  it('loses no accepted message when the process is SIGKILLed right after a burst of sends', async () => {
    const dir = dataDir();
    const server = await ServerProcess.start({ DATA_DIR: dir });
    cleanups.push(() => server.stop('SIGKILL'));
    const bob = (await post(server.baseUrl, '/api/users/create', { name: 'Bob' })).body;
    const alice = (await post(server.baseUrl, '/api/users/create', { name: 'Alice' })).body;

    // Bob is connected for the first half, so some messages are delivered and some queued.
    const live = await WsClient.open(`${server.baseUrl.replace('http', 'ws')}/ws`);
    live.send({ id: bob.id });
    const accepted: string[] = [];
    const burst = Array.from({ length: 300 }, (_, i) => `burst ${i}`);
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let i = lane; i < burst.length; i += 10) {
          if (i === 150) live.socket.terminate();
          const res = await post(server.baseUrl, '/api/messages/send', {
            recipient_id: bob.id,
            message: burst[i],
            sender_id: alice.id,
          });
          if (res.status === 200) accepted.push(burst[i]);
        }
      }),
    );
    expect(await server.stop('SIGKILL')).toBeNull();
    expect(accepted).toHaveLength(300);

    const restarted = await ServerProcess.start({ DATA_DIR: dir });
    cleanups.push(() => restarted.stop('SIGKILL'));
    const resumed = await WsClient.open(`${restarted.baseUrl.replace('http', 'ws')}/ws`);
    resumed.send({ id: bob.id, since: '0' });
    const frames = await resumed.nextFrames(300, 10_000);
    expect(new Set(frames.map((f) => f.id)).size).toBe(300);
    expect(new Set(frames.map((f) => f.message))).toEqual(new Set(accepted));
  });

  it('delivers what was queued at a SIGKILL to the next plain connection, each message once', async () => {
    const dir = dataDir();
    const server = await ServerProcess.start({ DATA_DIR: dir });
    const bob = (await post(server.baseUrl, '/api/users/create', { name: 'Bob' })).body;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post(server.baseUrl, '/api/messages/send', { recipient_id: bob.id, message: `q${i}` }),
      ),
    );
    await server.stop('SIGKILL');

    const restarted = await ServerProcess.start({ DATA_DIR: dir });
    cleanups.push(() => restarted.stop('SIGKILL'));
    const tab = await WsClient.open(`${restarted.baseUrl.replace('http', 'ws')}/ws`);
    tab.send({ id: bob.id });
    const frames = await tab.nextFrames(100);
    expect(new Set(frames.map((f) => f.message)).size).toBe(100);
    expect(frames.map((f) => f.id)).toEqual(frames.map((f) => f.id).sort());
  });

  it('exits cleanly within 10 s on SIGTERM, and resumes on the same DATA_DIR', async () => {
    const dir = dataDir();
    const server = await ServerProcess.start({ DATA_DIR: dir });
    const bob = (await post(server.baseUrl, '/api/users/create', { name: 'Bob' })).body;
    const tab = await WsClient.open(`${server.baseUrl.replace('http', 'ws')}/ws`);
    tab.send({ id: bob.id });
    await post(server.baseUrl, '/api/messages/send', { recipient_id: bob.id, message: 'before' });
    await tab.nextFrame();
    const started = Date.now();
    const closing = tab.closed(10_000);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await closing).code).toBe(1012);

    const restarted = await ServerProcess.start({ DATA_DIR: dir });
    cleanups.push(() => restarted.stop('SIGKILL'));
    const res = await post(restarted.baseUrl, '/api/messages/send', { recipient_id: bob.id, message: 'after' });
    expect(res.body.delivery).toBe('queued');
  });

  it('refuses a second process on the same DATA_DIR with a clear message and exit code 1', async () => {
    const dir = dataDir();
    const server = await ServerProcess.start({ DATA_DIR: dir });
    cleanups.push(() => server.stop('SIGKILL'));
    const second = await runServerToExit({ DATA_DIR: dir });
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/Another cohora process already serves .* with the in-process bus/);

    await expect(TestApp.start({}, dir)).rejects.toThrow(InstanceLockedError);
  });

  it('does not outlive `npm run start:prod` when npm is killed with SIGKILL', async () => {
    const dir = dataDir();
    const npm = spawn('npm', ['run', '--silent', 'start:prod'], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    await new Promise<void>((listening) =>
      npm.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('cohora listening on')) listening();
      }),
    );
    npm.kill('SIGKILL');

    // The orphaned server would hold the data directory; a new server can take it once it is gone.
    let restarted: ServerProcess | undefined;
    for (const deadline = Date.now() + 5_000; !restarted && Date.now() < deadline;) {
      restarted = await ServerProcess.start({ DATA_DIR: dir }).catch(() => undefined);
    }
    expect(restarted).toBeDefined();
    await restarted!.stop();
  });

  it('refuses a bad configuration value with one line and exit code 1', async () => {
    const result = await runServerToExit({ DATA_DIR: dataDir(), PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.output.trim().split('\n')).toHaveLength(1);
    expect(result.output).toMatch(/^cohora: invalid configuration: PORT must be an integer number/);
  });
});

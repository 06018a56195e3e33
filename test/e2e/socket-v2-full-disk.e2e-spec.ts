import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RATE_LIMITS, TestApp } from '../support/test-app.js';
import { Tmpfs, fillDisk } from '../support/tmpfs.js';

/** A v2 socket's sends while SQLite's disk is full (a 2 MiB tmpfs: needs root to mount it). */
describe('cohora.v2 sends on a full disk (needs root: mounts a tmpfs)', () => {
  let disk: Tmpfs;
  let app: TestApp;
  beforeAll(async () => {
    disk = Tmpfs.mount(2, 'cohora-v2-full-');
    app = await TestApp.start({ ...TEST_RATE_LIMITS }, disk.dir);
  });
  afterAll(async () => {
    await app?.stop();
    disk?.unmount();
  });

  it('answers 507 with REST’s text while the disk is full, keeps the socket, and acks the retry once space is freed', async () => {
    const [alice, bob] = [await app.createUser('FullV2A'), await app.createUser('FullV2B')];
    const socket = await app.connectV2(alice.id);
    const filler = fillDisk(disk.dir);
    let refused: { status: number; message: string } | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      const key = `full-${i}`;
      socket.sendMessage(key, bob.id, `${i} ${randomBytes(3_000).toString('base64')}`);
      const answer = await socket.answer(key);
      if (answer.type === 'error') refused = answer;
    }
    expect(refused).toEqual({
      type: 'error',
      key: expect.any(String),
      status: 507,
      message: 'Storage is full: nothing was stored; try again later',
    });
    // As large as the sends that filled it: a short text may still fit in a page's free space.
    const large = `while full ${randomBytes(3_000).toString('base64')}`;
    socket.sendMessage('full-again', bob.id, large);
    expect(await socket.answer('full-again')).toMatchObject({ type: 'error', status: 507 });
    rmSync(filler);
    socket.sendMessage('full-again', bob.id, large);
    expect(await socket.answer('full-again')).toMatchObject({ type: 'ack', delivery: 'queued' });
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RATE_LIMITS, TestApp } from '../support/test-app.js';

/** Fills the filesystem at `dir` to the last byte with one file, and returns its path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
    for (;;) {
      try {
        writeFileSync(filler, chunk.subarray(0, size), { flag: 'a' });
      } catch {
        break;
      }
    }
  }
  return filler;
}

/** A v2 socket's sends while SQLite's disk is full (a 2 MiB tmpfs: needs root to mount it). */
describe('cohora.v2 sends on a full disk (needs root: mounts a tmpfs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohora-v2-full-'));
  let app: TestApp;
  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    app = await TestApp.start({ ...TEST_RATE_LIMITS }, dir);
  });
  afterAll(async () => {
    await app?.stop();
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 507 with REST’s text while the disk is full, keeps the socket, and acks the retry once space is freed', async () => {
    const [alice, bob] = [await app.createUser('FullV2A'), await app.createUser('FullV2B')];
    const socket = await app.connectV2(alice.id);
    const filler = fill(dir);
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

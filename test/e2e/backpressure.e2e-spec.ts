import { describe, expect, it, onTestFinished } from 'vitest';
import { TestApp } from '../support/test-app.js';

/**
 * A client that stops reading while live messages pour in, on one process. (Across processes
 * a live socket reads news from the store at the client's pace instead, so its buffer never
 * reaches the limit; that is why this file is not in the e2e-cluster project.)
 */
describe('a socket that stops reading', () => {
  it('closes a socket that does not read with 4429 and keeps its messages for resume', async () => {
    const small = await TestApp.start({ MAX_SOCKET_BUFFER_BYTES: '16384' });
    onTestFinished(() => small.close());
    const bob = await small.createUser('bob');
    const reader = await small.connect(bob.id);
    await small.send(bob.id, 'warm-up');
    const warmUp = await reader.nextFrame();
    reader.socket.pause();
    const big = 'x'.repeat(4000);
    const sent: string[] = [];
    // Kernel buffers absorb a few MiB first; once the server gives up on the socket, sends queue.
    for (let i = 0; i < 5_000; i++) {
      const res = await small.send(bob.id, `${i} ${big}`);
      expect(res.status).toBe(200);
      sent.push(`${i} ${big}`);
      if (res.body.delivery === 'queued') break;
    }
    expect(sent.length).toBeLessThan(5_000);
    reader.socket.resume();
    expect((await reader.closed(5_000)).code).toBe(4429);

    const resumed = await small.connect(bob.id, warmUp.id);
    const frames = await resumed.nextFrames(sent.length, 10_000);
    expect(frames.map((f) => f.message)).toEqual(sent);
  });
});

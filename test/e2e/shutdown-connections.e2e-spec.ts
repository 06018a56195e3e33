import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../support/server-process.js';
import { tempDataDir } from '../support/test-app.js';

type Outcome =
  | { kind: 'answered'; status: number; connection?: string; afterSignal: boolean }
  | { kind: 'refused' }
  | { kind: 'cut'; error: string };

/**
 * One send on a connection of its own (no keep-alive), told apart by what the client sees: an
 * answer, a connection the server never accepted (ECONNREFUSED), or a connection it accepted
 * and then cut without an answer (reset, closed), the one outcome a shutdown must never cause.
 */
function sendOnNewConnection(port: number, recipient: string, signalled: () => boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    let connected = false;
    const req = request(
      { port, host: '127.0.0.1', method: 'POST', path: '/api/messages/send', agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            kind: 'answered',
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            afterSignal: signalled(),
          }),
        );
      },
    );
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(connected || error.code !== 'ECONNREFUSED' ? { kind: 'cut', error: String(error) } : { kind: 'refused' }),
    );
    req.end(JSON.stringify({ recipient_id: recipient, message: 'at shutdown' }));
  });
}

/** A single process (fork mode, `npm start`) told to stop while connections pour in. */
describe('shutdown of a single process under new connections', () => {
  const dataDir = tempDataDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers every connection it accepted, with Connection: close once stopping; it only refuses others', async () => {
    const server = await ServerProcess.start({ DATA_DIR: dataDir });
    const port = Number(new URL(server.baseUrl).port);
    const { id } = await server.api.createUser('Listener');
    let signalled = false;
    let exited = false;
    const outcomes: Outcome[] = [];
    const loops = Array.from({ length: 16 }, async () => {
      while (!exited) outcomes.push(await sendOnNewConnection(port, id, () => signalled));
    });
    while (outcomes.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    signalled = true;
    const exit = server.stop('SIGTERM').then((code) => ((exited = true), code));
    expect(await exit).toBe(0);
    await Promise.all(loops);

    // Even at backlog 0 Linux completes one handshake into the queue, and the close resets it
    // if it came after the last look: at most one per shutdown (6-7 before the drain). Every
    // connection cohora accepted is answered (docs/decisions.md, "Operations").
    const cut = outcomes.filter((outcome) => outcome.kind === 'cut');
    expect(cut.length).toBeLessThanOrEqual(1);
    const answered = outcomes.filter((outcome) => outcome.kind === 'answered');
    expect(answered.filter((outcome) => outcome.status !== 200)).toEqual([]);
    expect(outcomes.some((outcome) => outcome.kind === 'refused')).toBe(true);
    // A response written once the server is stopping tells the client not to reuse the connection.
    const late = answered.filter((outcome) => outcome.afterSignal);
    expect(late.every((outcome) => outcome.connection === 'close')).toBe(true);
  }, 60_000);
});

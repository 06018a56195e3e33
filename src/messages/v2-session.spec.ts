import { describe, expect, it } from 'vitest';
import type { User } from '../ports/user.store.js';
import type { ClientConnection } from './client-connection.js';
import type { PreparedSend, SendOutcome } from './messages.service.js';
import type { SocketSends } from './socket-sends.js';
import { V2Session } from './v2-session.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ([resolve, reject] = [res, rej]));
  return { promise, resolve, reject };
}

/**
 * A session over fake sends whose checks and commits the test settles in any order: what it
 * records is the order sends reach the store and the frames the socket is sent.
 */
function session() {
  const frames: string[] = [];
  const stored: string[] = [];
  const checks = new Map<string, ReturnType<typeof deferred<PreparedSend>>>();
  const commits = new Map<string, ReturnType<typeof deferred<SendOutcome>>>();
  let receive!: (text: string) => void;
  const connection = {
    sendFrame: (text: string) => frames.push(text),
    onLaterFrames: (listener: (text: string) => void) => (receive = listener),
    close: () => undefined,
  } as unknown as ClientConnection;
  const sends = {
    key: (raw: unknown) => raw as string,
    prepare: (_user: User, key: string) => {
      checks.set(key, deferred<PreparedSend>());
      return checks.get(key)!.promise;
    },
    commit: (prepared: PreparedSend) => {
      const key = prepared as unknown as string;
      stored.push(key);
      commits.set(key, deferred<SendOutcome>());
      return commits.get(key)!.promise;
    },
    ack: (key: string) => `ack ${key}`,
    refusal: (key: string) => `refused ${key}`,
  } as unknown as SocketSends;
  const limits = { max_message_length: 4096, max_frame_bytes: 65536, max_in_flight: 256, max_watch: 500 };
  new V2Session(connection, {
    sends,
    limits,
    frameRate: null,
    followDirectory: () => undefined,
    watch: () => Promise.resolve(),
  }).ready({ id: 'u1', name: 'Ann' });
  frames.length = 0;
  const send = (key: string) => receive(JSON.stringify({ type: 'send', key, recipient_id: 'u2', message: key }));
  /** Lets the session's promise chains run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { send, settle, frames, stored, checks, commits };
}

describe(V2Session.name, () => {
  it('hands sends to the store in frame order, though their checks finish in another order', async () => {
    const { send, settle, stored, checks } = session();
    send('a');
    send('b');
    send('c');
    checks.get('c')!.resolve('c' as unknown as PreparedSend);
    checks.get('b')!.resolve('b' as unknown as PreparedSend);
    await settle();
    expect(stored).toEqual([]);
    checks.get('a')!.resolve('a' as unknown as PreparedSend);
    await settle();
    expect(stored).toEqual(['a', 'b', 'c']);
  });

  it('answers a refused check in its turn, and the sends after it still reach the store in order', async () => {
    const { send, settle, frames, stored, checks, commits } = session();
    send('a');
    send('b');
    send('c');
    checks.get('c')!.resolve('c' as unknown as PreparedSend);
    checks.get('b')!.reject(new Error('400'));
    await settle();
    expect(frames).toEqual([]);
    checks.get('a')!.resolve('a' as unknown as PreparedSend);
    await settle();
    expect(stored).toEqual(['a', 'c']);
    expect(frames).toEqual(['refused b']);
    commits.get('c')!.resolve({ messageId: '2', delivery: 'queued', replayed: false });
    commits.get('a')!.reject(new Error('504'));
    await settle();
    expect(frames).toEqual(['refused b', 'ack c', 'refused a']);
  });
});

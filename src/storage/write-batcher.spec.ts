import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OutcomeUnknownError, StoreUnavailableError } from '../common/domain-errors.js';
import { WriteBatcher } from './write-batcher.js';

interface Write {
  name: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** A batcher whose `write` sends whatever is still wanted only when the test lets it. */
function batcher() {
  const sent: string[][] = [];
  let connect!: () => void;
  const connected = new Promise<void>((resolve) => (connect = resolve));
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const writes = new WriteBatcher<Write>(async (batch) => {
    await connected;
    const wanted = writes.sendable(batch);
    sent.push(wanted.map((w) => w.name));
    await answered;
    for (const w of wanted) w.resolve();
  });
  const add = (name: string, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => writes.add({ name, resolve, reject }, signal));
  return { add, sent, connect, answer };
}

describe(WriteBatcher.name, () => {
  it('withdraws a write whose time runs out before it is sent: never sent, 503', async () => {
    const { add, sent, connect, answer } = batcher();
    const timeUp = new AbortController();
    const late = add('late', timeUp.signal);
    const kept = add('kept');
    timeUp.abort();
    await expect(late).rejects.toBeInstanceOf(StoreUnavailableError);
    connect();
    answer();
    await kept;
    expect(sent).toEqual([['kept']]);
  });

  it('lets go of a write once it is answered: its bound running out later rejects nothing', async () => {
    const reasons: unknown[] = [];
    let answered!: () => void;
    const done = new Promise<void>((resolve) => (answered = resolve));
    const writes = new WriteBatcher<Write>((batch) => {
      for (const w of writes.sendable(batch)) w.resolve();
      answered();
      return Promise.resolve();
    });
    const bound = new AbortController();
    writes.add({ name: 'answered', resolve: () => undefined, reject: (reason) => reasons.push(reason) }, bound.signal);
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    bound.abort();
    expect(reasons).toEqual([]);
  });

  it('listens to a shared bound once, however many writes wait on it', async () => {
    const { add, connect, answer } = batcher();
    const bound = new AbortController();
    const writes = Array.from({ length: 100 }, (_, i) => add(`w${i}`, bound.signal));
    expect(getEventListeners(bound.signal, 'abort')).toHaveLength(1);
    connect();
    answer();
    await Promise.all(writes);
  });

  it('answers 504 for a write whose time runs out after it was sent', async () => {
    const { add, sent, connect } = batcher();
    const timeUp = new AbortController();
    const unconfirmed = add('unconfirmed', timeUp.signal);
    connect();
    await expect.poll(() => sent).toEqual([['unconfirmed']]);
    timeUp.abort();
    await expect(unconfirmed).rejects.toBeInstanceOf(OutcomeUnknownError);
  });

  it('withdraws writes queued behind a batch that does not answer', async () => {
    const { add, sent, connect, answer } = batcher();
    connect();
    const first = add('first');
    await expect.poll(() => sent).toEqual([['first']]);
    const timeUp = new AbortController();
    const queued = add('queued', timeUp.signal);
    timeUp.abort();
    await expect(queued).rejects.toBeInstanceOf(StoreUnavailableError);
    answer();
    await first;
    expect(sent).toEqual([['first']]);
  });
});

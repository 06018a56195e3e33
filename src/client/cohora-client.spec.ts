import { describe, expect, it } from 'vitest';
import { CohoraHttpError, MessageNotSentError } from './client-errors.js';
import { CohoraClient } from './cohora-client.js';
import type { Clock } from './clock.js';

/** Runs every backoff delay at once, recording it. */
function instantClock(delays: number[]): Clock {
  return {
    now: () => 0,
    setTimeout: (callback, ms) => {
      delays.push(ms);
      queueMicrotask(callback);
      return 0;
    },
    clearTimeout: () => undefined,
  };
}

/**
 * A fetch that answers with `statuses` in turn, recording each request's key. 'network' throws
 * as a browser does (no reason given); 'refused' and 'reset' as Node does, with the socket's code.
 */
function scriptedFetch(
  statuses: Array<number | 'network' | 'refused' | 'reset'>,
  keys: Array<string | null>,
): typeof fetch {
  return (_input, init) => {
    keys.push(new Headers(init?.headers).get('idempotency-key'));
    const status = statuses.shift() ?? 200;
    if (status === 'network') return Promise.reject(new TypeError('fetch failed'));
    if (status === 'refused' || status === 'reset') {
      const code = status === 'refused' ? 'ECONNREFUSED' : 'ECONNRESET';
      return Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) }));
    }
    const body =
      status === 200
        ? { status: 'success', details: 'sent', delivery: 'queued', message_id: '0000000000000007' }
        : { statusCode: status, message: `failed with ${status}`, error: 'Error' };
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  };
}

describe(CohoraClient.name, () => {
  const input = { recipientId: 'bob', message: 'hi', senderId: 'alice' };

  it('retries no answer, 503, 504 and 409 with one key, with jittered delays, until it is sent', async () => {
    const keys: Array<string | null> = [];
    const delays: number[] = [];
    const client = new CohoraClient({
      server: 'http://127.0.0.1:1',
      fetch: scriptedFetch(['network', 503, 504, 409, 200], keys),
      sendRetry: {
        attempts: 5,
        clock: instantClock(delays),
        backoff: { baseMs: 100, capMs: 1_000, random: () => 0.5 },
      },
    });
    const sent = await client.sendMessage(input);
    expect(sent.message_id).toBe('0000000000000007');
    expect(keys).toHaveLength(5);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(delays).toEqual([50, 100, 200, 400]);
  });

  it('gives up after its attempts, saying plainly the message was not sent, with the key to retry', async () => {
    const keys: Array<string | null> = [];
    const client = new CohoraClient({
      server: 'http://127.0.0.1:1',
      fetch: scriptedFetch([503, 503, 503], keys),
      sendRetry: { attempts: 3, clock: instantClock([]) },
    });
    const error = await client.sendMessage({ ...input, idempotencyKey: 'mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageNotSentError);
    expect((error as MessageNotSentError).message).toBe('the message was not sent (3 attempts; last: failed with 503)');
    expect((error as MessageNotSentError).idempotencyKey).toBe('mine');
    expect(keys).toEqual(['mine', 'mine', 'mine']);
  });

  it('does not claim "not sent" when a try may have been stored (a 504, a connection cut mid-request)', async () => {
    const giveUp = async (first: 504 | 503 | 'reset' | 'refused' | 'network') => {
      const client = new CohoraClient({
        server: 'http://127.0.0.1:1',
        fetch: scriptedFetch([first, 503, 503], []),
        sendRetry: { attempts: 3, clock: instantClock([]) },
      });
      return (await client.sendMessage(input).catch((e: unknown) => e)) as MessageNotSentError;
    };
    for (const first of [504, 'reset'] as const) {
      const error = await giveUp(first);
      expect(error.maybeStored).toBe(true);
      expect(error.message).toMatch(/^the message may not have been sent: the server did not confirm it \(3 attempts;/);
    }
    for (const first of [503, 'refused', 'network'] as const) {
      expect((await giveUp(first)).maybeStored).toBe(false);
    }
  });

  it('does not retry a refusal that will not pass by itself', async () => {
    for (const status of [400, 404, 422, 507]) {
      const keys: Array<string | null> = [];
      const client = new CohoraClient({
        server: 'http://127.0.0.1:1',
        fetch: scriptedFetch([status], keys),
        sendRetry: { clock: instantClock([]) },
      });
      await expect(client.sendMessage(input)).rejects.toEqual(expect.any(CohoraHttpError));
      expect(keys).toHaveLength(1);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { CohoraClient } from './cohora-client.js';
import type { CohoraConnection, ConnectionEvents } from './cohora-connection.js';
import type { Person } from './history.store.js';
import { LiveDirectory } from './live-directory.js';
import { TypedEmitter } from './typed-emitter.js';

/** The two events LiveDirectory listens to, emitted by hand. */
class FakeConnection extends TypedEmitter<ConnectionEvents> {
  fire<K extends keyof ConnectionEvents>(event: K, payload: ConnectionEvents[K]): void {
    this.emit(event, payload);
  }
}

/** A REST client whose list answers `users` (name to id), counting the requests. */
function listing(users: Record<string, string>) {
  const calls = { count: 0 };
  const client = new CohoraClient({
    server: 'http://chat.example',
    fetch: () => {
      calls.count++;
      return Promise.resolve(new Response(JSON.stringify({ users }), { status: 200 }));
    },
  });
  return { client, calls };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe(LiveDirectory.name, () => {
  it('reads the list after each ready and merges users events by id, naming each newcomer once', async () => {
    const connection = new FakeConnection();
    const { client, calls } = listing({ Alice: 'a', Bob: 'b' });
    const directory = new LiveDirectory(client, connection as unknown as CohoraConnection);
    const added: Person[][] = [];
    directory.on('added', (people) => added.push(people));

    connection.fire('users', { added: [{ id: 'b', name: 'Bob' }] });
    connection.fire('ready', {
      userId: 'a',
      limits: { max_message_length: 1, max_frame_bytes: 1, max_in_flight: 1, max_watch: 1 },
    });
    await settle();
    connection.fire('users', {
      added: [
        { id: 'c', name: 'Carol' },
        { id: 'a', name: 'Alice' },
      ],
    });

    expect(calls.count).toBe(1);
    expect(added).toEqual([[{ id: 'b', name: 'Bob' }], [{ id: 'a', name: 'Alice' }], [{ id: 'c', name: 'Carol' }]]);
    expect([...directory.users]).toEqual([
      ['b', 'Bob'],
      ['a', 'Alice'],
      ['c', 'Carol'],
    ]);
  });

  it('reports a list that cannot be read, and keeps what it has', async () => {
    const connection = new FakeConnection();
    const errors: unknown[] = [];
    const client = new CohoraClient({
      server: 'http://chat.example',
      fetch: () => Promise.reject(new TypeError('down')),
    });
    const directory = new LiveDirectory(client, connection as unknown as CohoraConnection, (error) =>
      errors.push(error),
    );
    connection.fire('users', { added: [{ id: 'd', name: 'Dave' }] });
    await directory.refresh();
    expect(errors).toHaveLength(1);
    expect([...directory.users.keys()]).toEqual(['d']);
  });
});

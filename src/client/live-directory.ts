import type { CohoraClient } from './cohora-client.js';
import type { CohoraConnection } from './cohora-connection.js';
import type { Person } from './history.store.js';
import { TypedEmitter } from './typed-emitter.js';

export interface LiveDirectoryEvents {
  /** Users this directory did not hold before, in the order they came. */
  added: Person[];
}

/**
 * Everyone registered, kept current without asking: the REST list after every `ready` (which
 * also covers whatever was registered while no socket was up), merged by id with the `users`
 * events in between, as docs/protocol-v2.md's "A client, in order" says. A user may come by
 * both ways; `added` names each once. Without v2, refresh() is the only way in.
 */
export class LiveDirectory extends TypedEmitter<LiveDirectoryEvents> {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly client: CohoraClient,
    connection: CohoraConnection,
    /** Told when a refresh fails; the next `ready` or refresh() tries again. */
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    super();
    connection.on('ready', () => void this.refresh());
    connection.on('users', ({ added }) => this.merge(added));
  }

  /** Id to display name. */
  get users(): ReadonlyMap<string, string> {
    return this.names;
  }

  /** Reads the whole list over REST and merges it; resolves once merged (or failed). */
  async refresh(): Promise<void> {
    let listed: Map<string, string>;
    try {
      listed = await this.client.listUsers();
    } catch (error) {
      this.onError(error);
      return;
    }
    this.merge(Array.from(listed, ([name, id]) => ({ id, name })));
  }

  private merge(people: Iterable<Person>): void {
    const added: Person[] = [];
    for (const person of people) {
      if (this.names.has(person.id)) continue;
      this.names.set(person.id, person.name);
      added.push(person);
    }
    if (added.length > 0) this.emit('added', added);
  }
}

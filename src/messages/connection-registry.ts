import type { ClientConnection } from './client-connection.js';

/** Every open connection, and the authenticated ones by user for O(1) routing. */
export class ConnectionRegistry {
  private readonly all = new Set<ClientConnection>();
  private readonly byUser = new Map<string, Set<ClientConnection>>();

  add(connection: ClientConnection): void {
    this.all.add(connection);
  }

  /** Files an authenticated connection under its user. */
  assign(connection: ClientConnection, userId: string): void {
    let connections = this.byUser.get(userId);
    if (!connections) this.byUser.set(userId, (connections = new Set()));
    connections.add(connection);
  }

  remove(connection: ClientConnection): void {
    this.all.delete(connection);
    const userId = connection.userId;
    if (userId === undefined) return;
    const connections = this.byUser.get(userId);
    connections?.delete(connection);
    if (connections?.size === 0) this.byUser.delete(userId);
  }

  forUser(userId: string): ReadonlySet<ClientConnection> | undefined {
    return this.byUser.get(userId);
  }

  /** Each user with a connection here, with their connections. */
  byUserEntries(): IterableIterator<[string, ReadonlySet<ClientConnection>]> {
    return this.byUser.entries();
  }

  get size(): number {
    return this.all.size;
  }

  [Symbol.iterator](): IterableIterator<ClientConnection> {
    return this.all.values();
  }
}

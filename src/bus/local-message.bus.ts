import { type LocalSockets, MessageBus } from '../ports/message.bus.js';
import type { StoredMessage } from '../ports/message.store.js';

/**
 * Delivers within this process only, so it is correct only while one process serves the
 * data: the SQLite instance lock (storage/sqlite/instance-lock.ts) refuses a second process on
 * the same data, and config refuses PostgreSQL or a PM2 cluster without Redis. Sends arrive
 * here in the order the store accepted them, so it hands over messages directly.
 */
export class LocalMessageBus extends MessageBus {
  private sockets?: LocalSockets;

  attach(sockets: LocalSockets): void {
    this.sockets = sockets;
  }

  watch(): Promise<void> {
    return Promise.resolve();
  }

  unwatch(): void {}

  publish(message: StoredMessage): Promise<boolean> {
    return Promise.resolve(this.sockets?.deliver(message) ?? false);
  }

  connected(): boolean {
    return true;
  }
}

import { type LocalSockets, MessageBus } from '../../src/ports/message.bus.js';
import type { StoredMessage } from '../../src/ports/message.store.js';

/**
 * A bus for unit tests: delivers in-process, as LocalMessageBus does, and counts how many
 * sockets of each user this process watches, so a test can see the watch calls balance.
 */
export class FakeMessageBus extends MessageBus {
  readonly watching = new Map<string, number>();
  private sockets?: LocalSockets;

  attach(sockets: LocalSockets): void {
    this.sockets = sockets;
  }

  watch(userId: string): Promise<void> {
    this.watching.set(userId, (this.watching.get(userId) ?? 0) + 1);
    return Promise.resolve();
  }

  unwatch(userId: string): void {
    const count = (this.watching.get(userId) ?? 0) - 1;
    if (count > 0) this.watching.set(userId, count);
    else this.watching.delete(userId);
  }

  publish(message: StoredMessage): Promise<boolean> {
    return Promise.resolve(this.sockets?.deliver(message) ?? false);
  }

  connected(): boolean {
    return true;
  }
}

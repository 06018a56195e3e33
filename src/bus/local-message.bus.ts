import type { OnApplicationShutdown } from '@nestjs/common';
import type { StoredMessage } from '../ports/message.store.js';
import type { InstanceLock } from './instance-lock.js';
import { type LocalSockets, MessageBus } from '../ports/message.bus.js';

/**
 * Delivers within this process only, so it is correct only while one process serves the
 * data: it holds an InstanceLock, and a second process on the same data refuses to start.
 * Sends arrive here in the order the store accepted them, so it hands over messages directly.
 */
export class LocalMessageBus extends MessageBus implements OnApplicationShutdown {
  private sockets?: LocalSockets;

  constructor(private readonly lock: InstanceLock) {
    super();
  }

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

  async onApplicationShutdown(): Promise<void> {
    await this.lock.release();
  }
}

import type { OnApplicationShutdown } from '@nestjs/common';
import type { StoredMessage } from '../storage/message.store.js';
import type { InstanceLock } from './instance-lock.js';
import { type LocalDelivery, MessageBus } from './message.bus.js';

/**
 * Delivers within this process only, so it is correct only while one process serves the
 * data: it holds an InstanceLock, and a second process on the same data refuses to start.
 */
export class LocalMessageBus extends MessageBus implements OnApplicationShutdown {
  private deliver: LocalDelivery = () => false;

  constructor(private readonly lock: InstanceLock) {
    super();
  }

  onMessage(deliver: LocalDelivery): void {
    this.deliver = deliver;
  }

  publish(message: StoredMessage): Promise<boolean> {
    return Promise.resolve(this.deliver(message));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lock.release();
  }
}

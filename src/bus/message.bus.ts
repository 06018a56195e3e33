import type { StoredMessage } from '../storage/message.store.js';

/** Delivers a message to this process's sockets; true when at least one of them will get it. */
export type LocalDelivery = (message: StoredMessage) => boolean;

/**
 * Carries a stored message to the process(es) holding its recipient's sockets. The store is
 * the truth and the bus only a nudge: a message the bus fails to carry is still delivered
 * from the store when its recipient (re)connects.
 */
export abstract class MessageBus {
  /** Registers how this process delivers to its own sockets. Called once, at startup. */
  abstract onMessage(deliver: LocalDelivery): void;

  /** Resolves true when some process holds a socket of the recipient that will receive it. */
  abstract publish(message: StoredMessage): Promise<boolean>;
}

import type { StoredMessage } from './message.store.js';

/** This process's sockets, as the bus reaches them. Each method returns whether some socket will get the message(s). */
export interface LocalSockets {
  /** Sends a stored message to its recipient's sockets here. The bus calls it in id order per recipient. */
  deliver(message: StoredMessage): boolean;
  /** Has the sockets of `userId` here read the store for messages they have not been sent yet. */
  catchUp(userId: string): boolean;
  /** Has every socket here read the store: the bus may have dropped nudges (it reconnected). */
  catchUpAll(): void;
}

/**
 * Carries news of a stored message to the process(es) holding its recipient's sockets. The
 * store is the truth and the bus only a nudge: a message the bus fails to carry is still
 * delivered from the store, when the bus comes back or when its recipient (re)connects.
 */
export abstract class MessageBus {
  /** Registers this process's sockets. Called once, at startup. */
  abstract attach(sockets: LocalSockets): void;

  /**
   * This process now holds a socket of `userId`. Resolves once news published from here on
   * is sure to reach this process, so a catch-up started afterwards leaves no gap.
   */
  abstract watch(userId: string): Promise<void>;

  /** One socket of `userId` here has gone; when none is left, news for them stops coming here. */
  abstract unwatch(userId: string): void;

  /**
   * Tells the processes holding the recipient's sockets. Resolves true when some process
   * holds a socket of the recipient that will receive the message. Never rejects: a message
   * the bus cannot announce is already stored.
   */
  abstract publish(message: StoredMessage): Promise<boolean>;

  /** For /health: whether news reaches the other processes right now (always, for a lone process). */
  abstract connected(): boolean;
}

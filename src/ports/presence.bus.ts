/** Told of presence across the deployment. */
export interface PresenceListener {
  /** `userId` went online (their first socket on any process) or offline (their last one gone). */
  changed(userId: string, online: boolean): void;
  /** Changes may have been lost (the bus reconnected): look up what is watched again. */
  mayHaveMissed(): void;
}

/** How long a process's claim that its users are online lasts without renewal (a dead process's lapses). */
export const PRESENCE_LEASE_MS = 15_000;

/**
 * Who is online, over every process of a deployment. Each process reports only its own users
 * crossing between none and some sockets here; the bus keeps, per user, the set of processes
 * holding them, and announces a change when that set becomes non-empty or empty. One change
 * costs O(1) in the bus plus one delivery to each process, never O(online users). A process
 * that dies without reporting has its users dropped once its lease (PRESENCE_LEASE_MS) lapses.
 */
export abstract class PresenceBus {
  /** Registers the listener of changes. Called once, at startup. */
  abstract attach(listener: PresenceListener): void;

  /** This process now holds a socket of `userId` (it held none). Never throws. */
  abstract arrived(userId: string): void;

  /** This process holds no socket of `userId` any more. Never throws. */
  abstract left(userId: string): void;

  /** Which of `ids` are online on some process. Rejects when that cannot be told now. */
  abstract online(ids: readonly string[]): Promise<Set<string>>;
}

/**
 * News that users were registered, between the processes of a deployment. The user store is
 * the truth and this only a nudge: a process that hears it reads the store for users after
 * the last it saw, so a lost nudge delays the news until the next one (or the bus's
 * reconnect, which counts as news too).
 */
export abstract class DirectoryBus {
  /** Tells the other processes that users were registered here. Never throws; a failed nudge is resent when it can be. */
  abstract announce(): void;

  /** `listener` runs when another process registered users, or when news may have been lost. */
  abstract onNews(listener: () => void): void;
}

import { type PresenceListener, PresenceBus } from '../ports/presence.bus.js';

/** One process: its own users are everyone who is online. */
export class LocalPresenceBus extends PresenceBus {
  private readonly here = new Set<string>();
  private listener?: PresenceListener;

  attach(listener: PresenceListener): void {
    this.listener = listener;
  }

  arrived(userId: string): void {
    if (this.here.has(userId)) return;
    this.here.add(userId);
    this.listener?.changed(userId, true);
  }

  left(userId: string): void {
    if (this.here.delete(userId)) this.listener?.changed(userId, false);
  }

  online(ids: readonly string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(ids.filter((id) => this.here.has(id))));
  }
}

import { type PresenceListener, PresenceBus } from '../../src/ports/presence.bus.js';

/**
 * A presence bus for unit tests: in-process, as LocalPresenceBus, recording every report, and
 * able to fail look-ups or announce changes from "another process".
 */
export class FakePresenceBus extends PresenceBus {
  readonly reports: string[] = [];
  readonly online_ = new Set<string>();
  failLookups = false;
  lookups = 0;
  private listener?: PresenceListener;

  attach(listener: PresenceListener): void {
    this.listener = listener;
  }

  arrived(userId: string): void {
    this.reports.push(`arrived ${userId}`);
    this.elsewhere(userId, true);
  }

  left(userId: string): void {
    this.reports.push(`left ${userId}`);
    this.elsewhere(userId, false);
  }

  /** A change as another process would cause it. */
  elsewhere(userId: string, online: boolean): void {
    if (online === this.online_.has(userId)) return;
    if (online) this.online_.add(userId);
    else this.online_.delete(userId);
    this.listener?.changed(userId, online);
  }

  online(ids: readonly string[]): Promise<Set<string>> {
    this.lookups++;
    if (this.failLookups) return Promise.reject(new Error('presence down'));
    return Promise.resolve(new Set(ids.filter((id) => this.online_.has(id))));
  }
}

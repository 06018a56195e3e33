import { IdempotencyKeyInFlightError } from '../common/domain-errors.js';
import type { IdempotencyClaim } from '../ports/message.store.js';

/**
 * The keys whose first send is still being carried out in this process: a second send with
 * one of them answers 409 instead of waiting. Across processes, the store's unique index
 * decides (one stores, the other replays it).
 */
export class InFlightKeys {
  private readonly keys = new Set<string>();

  /** Runs `send` holding the claim's key; rejects with IdempotencyKeyInFlightError if it is held. */
  async hold<T>(claim: IdempotencyClaim, send: () => Promise<T>): Promise<T> {
    const name = JSON.stringify([claim.scope, claim.key]);
    if (this.keys.has(name)) throw new IdempotencyKeyInFlightError();
    this.keys.add(name);
    try {
      return await send();
    } finally {
      this.keys.delete(name);
    }
  }
}

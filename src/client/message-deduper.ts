/**
 * Remembers the ids of the last `capacity` messages and says whether one is new. The server
 * may deliver a message twice (after a crash, or a resume that overlaps); it never goes back
 * further than the `since` a client sends, so a window of recent ids is enough.
 */
export class MessageDeduper {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time `id` is offered; false for a duplicate. */
  accept(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    // A Set iterates in insertion order: the first key is the oldest.
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

/** Message ids are decimal digit strings: longer is larger, equal lengths compare as text. */
export function isLaterId(candidate: string, than: string | undefined): boolean {
  if (than === undefined) return true;
  if (candidate.length !== than.length) return candidate.length > than.length;
  return candidate > than;
}

/** Whether `id` looks like a server message id (and so may be sent back as `since`). */
export function isServerMessageId(id: string): boolean {
  return /^\d{1,32}$/.test(id);
}

import { isLaterId, isServerMessageId } from './message-deduper.js';
import type { MessageFrame } from '../protocol/ws-frames.js';

/** One message in a chat history, received (`in`) or sent (`out`). */
export interface HistoryEntry {
  /**
   * The server's message id, the same for the sender and the recipient. A sent message holds a
   * local `out-…` id only until the server has answered with its `message_id`.
   */
  id: string;
  direction: 'in' | 'out';
  from: string;
  /** null for a message from `anonymous`. */
  from_id: string | null;
  /** Sent messages only: to whom. */
  to?: string;
  to_id?: string;
  message: string;
  /** ISO 8601: the server's time for received messages, this device's for sent ones. */
  sent_at: string;
}

/**
 * A user's chat history: every message received, and those sent from this device, in the order
 * they happened here. Appending an id that is already stored does nothing, so two connections
 * (two tabs, or `listen` beside `chat`) may both append what they receive.
 */
export abstract class HistoryStore {
  /** Every entry, oldest first, each id once. */
  abstract entries(): Promise<HistoryEntry[]>;
  /** Stores `entry` unless its id is already there; resolves to whether it was added. */
  abstract append(entry: HistoryEntry): Promise<boolean>;
}

export function incomingEntry(frame: MessageFrame): HistoryEntry {
  return {
    id: frame.id,
    direction: 'in',
    from: frame.from,
    from_id: frame.from_id,
    message: frame.message,
    sent_at: frame.sent_at,
  };
}

export interface Person {
  id: string;
  name: string;
}

/** A message `me` is sending, under a local id until the server names it (see `withServerId`). */
export function outgoingEntry(me: Person, to: Person, message: string, sentAt = new Date()): HistoryEntry {
  return {
    id: `out-${sentAt.getTime().toString(36)}-${randomSuffix()}`,
    direction: 'out',
    from: me.name,
    from_id: me.id,
    to: to.name,
    to_id: to.id,
    message,
    sent_at: sentAt.toISOString(),
  };
}

/** The sent message under the id the server gave it (`message_id`), so that it has one id everywhere. */
export function withServerId(entry: HistoryEntry, messageId: string): HistoryEntry {
  return { ...entry, id: messageId };
}

/** The other side of a conversation: the sender of what came in, the recipient of what went out. */
export function peerIdOf(entry: HistoryEntry): string | null {
  return entry.direction === 'in' ? entry.from_id : (entry.to_id ?? null);
}

export function peerNameOf(entry: HistoryEntry): string {
  return entry.direction === 'in' ? entry.from : (entry.to ?? '?');
}

/** The latest server id among received messages: what a connection sends back as `since`. */
export function lastReceivedId(entries: readonly HistoryEntry[]): string | undefined {
  let last: string | undefined;
  for (const entry of entries) {
    if (entry.direction === 'in' && isServerMessageId(entry.id) && isLaterId(entry.id, last)) last = entry.id;
  }
  return last;
}

/** Checks an entry read back from storage, which a person or another program may have edited. */
export function isHistoryEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.id === 'string' &&
    (entry.direction === 'in' || entry.direction === 'out') &&
    typeof entry.from === 'string' &&
    (typeof entry.from_id === 'string' || entry.from_id === null) &&
    typeof entry.message === 'string' &&
    typeof entry.sent_at === 'string' &&
    (entry.to === undefined || typeof entry.to === 'string') &&
    (entry.to_id === undefined || typeof entry.to_id === 'string')
  );
}

/** `crypto.getRandomValues` works on plain http pages too, where `crypto.randomUUID` is missing. */
function randomSuffix(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

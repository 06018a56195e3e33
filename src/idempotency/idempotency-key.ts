import { createHash } from 'node:crypto';
import { InvalidIdempotencyKeyError } from '../common/domain-errors.js';
import type { IdempotencyClaim } from '../ports/message.store.js';

/** The header a send may carry (the IETF httpapi draft's name). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** 1 to 255 printable ASCII characters, space included (PROTOCOL.md). */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** The key a send names, or undefined without one; rejects a malformed key with a 400. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !VALID_KEY.test(header)) throw new InvalidIdempotencyKeyError();
  return header;
}

/**
 * What the store keeps of a keyed send: the key within the sender's scope (anonymous sends
 * share the scope ''), and a hash of the parts a repeat must match, the recipient and the text.
 */
export function idempotencyClaim(
  key: string,
  senderId: string | null,
  recipientId: string,
  text: string,
): IdempotencyClaim {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([recipientId, text]))
    .digest('base64url');
  return { scope: senderId ?? '', key, fingerprint };
}

/**
 * Message ids are a store's sequence number written as 16 zero-padded digits, so that they
 * sort in acceptance order both as numbers and as strings, and `since` is a range read.
 */
const WIDTH = 16;
const DIGITS = /^\d{1,16}$/;

export function formatMessageId(sequence: number): string {
  return String(sequence).padStart(WIDTH, '0');
}

export function messageSequence(id: string): number {
  return Number(id);
}

/** Reads a client-supplied id (`since`); undefined when it cannot be one of ours. */
export function parseMessageId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return formatMessageId(value);
  if (typeof value === 'string' && DIGITS.test(value)) return value.padStart(WIDTH, '0');
  return undefined;
}

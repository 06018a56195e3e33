import { InvalidInputError, NameTakenError } from '../common/domain-errors.js';

export const MAX_NAME_LENGTH = 32;

/** Letters, digits and combining marks of any script, plus space, `_`, `.`, `'` and `-`. */
const ALLOWED = /^[\p{L}\p{M}\p{Nd} _.'-]+$/u;

/** Held back so that a pushed `"from": "anonymous"` always means "no sender given". */
const RESERVED_KEYS = new Set(['anonymous']);

export interface UserName {
  /** As shown to people: NFC, trimmed, in the case it was registered with. */
  display: string;
  /** What uniqueness is judged on: NFKC, lower case. `Alice` and `alice` share one. */
  key: string;
}

function nameKey(display: string): string {
  return display.normalize('NFKC').toLowerCase();
}

/** Applies PROTOCOL.md's name rules; throws a 400 for a malformed name, 409 for a reserved one. */
export function parseUserName(raw: string): UserName {
  const display = raw.normalize('NFC').trim();
  const length = [...display].length;
  if (length === 0) throw new InvalidInputError('name must not be empty');
  if (length > MAX_NAME_LENGTH) throw new InvalidInputError(`name must be at most ${MAX_NAME_LENGTH} characters`);
  if (!ALLOWED.test(display)) {
    throw new InvalidInputError("name may only contain letters, digits, combining marks, spaces and _ . ' -");
  }
  const key = nameKey(display);
  if (RESERVED_KEYS.has(key)) throw new NameTakenError(display);
  return { display, key };
}

import { InvalidInputError, NameTakenError } from '../common/domain-errors.js';

/** Code points, counted after NFC and trimming (PROTOCOL.md: 1 to 64). */
export const MAX_NAME_LENGTH = 64;

/**
 * Printable text: letters, marks, numbers, punctuation and symbols of any script (emoji are
 * symbols), and the plain space. Everything else is refused: controls, format characters
 * (zero-width, bidi), separators other than U+0020, private-use, unassigned and lone surrogates.
 * Two format characters are let through only where emoji need them: a zero-width joiner
 * between two pictographs (👩‍💻), and the tag characters of a subdivision flag (🏴 + tags + U+E007F).
 */
const PICTOGRAPH = String.raw`\p{Extended_Pictographic}[\p{Emoji_Modifier}\u{FE0F}]*`;
const PRINTABLE = new RegExp(
  String.raw`^(?:[\p{L}\p{M}\p{N}\p{P}\p{S} ]|(?<=${PICTOGRAPH})\u{200D}(?=\p{Extended_Pictographic})|(?<=\u{1F3F4}[\u{E0020}-\u{E007E}]*)[\u{E0020}-\u{E007F}])+$`,
  'u',
);

/** Held back so that a pushed `"from": "anonymous"` always means "no sender given". */
const RESERVED_KEYS = new Set(['anonymous']);

export interface UserName {
  /** As shown to people: NFC, trimmed, in the case it was registered with. */
  display: string;
  /**
   * What uniqueness is judged on: NFKC, lower case. `Alice` and `alice` share one. Stored as
   * `name_key` beside every user: changing this function would need a migration that rewrites
   * the stored keys, so it has not changed since the first release.
   */
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
  if (!PRINTABLE.test(display)) {
    throw new InvalidInputError(
      'name may only contain printable characters (letters, marks, digits, punctuation, symbols, emoji) and spaces; ' +
        'no control, format, zero-width, line-break or private-use characters',
    );
  }
  const key = nameKey(display);
  if (RESERVED_KEYS.has(key)) throw new NameTakenError(display);
  return { display, key };
}

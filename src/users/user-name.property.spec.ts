import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, NameTakenError } from '../common/domain-errors.js';
import { MAX_NAME_LENGTH, parseUserName } from './user-name.js';

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ maxLength: 80 }),
);

describe(`${parseUserName.name} (properties)`, () => {
  it('either accepts a name that keeps every rule, or refuses it with a 400 or 409, never anything else', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        let name;
        try {
          name = parseUserName(raw);
        } catch (error) {
          expect(error instanceof InvalidInputError || error instanceof NameTakenError).toBe(true);
          return;
        }
        const length = [...name.display].length;
        expect(length).toBeGreaterThanOrEqual(1);
        expect(length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
        expect(name.display).toBe(name.display.normalize('NFC').trim());
        // Nothing invisible or layout-changing survives: no control, separator (but U+0020), private-use or unassigned.
        expect(name.display).not.toMatch(
          /[\p{Cc}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200c\u202f\u205f\u3000]/u,
        );
        // A format character survives only as the joiner or tag of an emoji sequence.
        for (const match of name.display.matchAll(/\p{Cf}/gu)) expect(match[0]).toMatch(/[\u200d\u{E0020}-\u{E007F}]/u);
        // Accepting a name once more changes nothing: what is shown is stable.
        expect(parseUserName(name.display)).toEqual(name);
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives names that differ only in case one uniqueness key', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _.@'-]{0,60}[A-Za-z0-9]$/), (raw) => {
        const name = parseUserName(raw);
        expect(parseUserName(raw.toUpperCase()).key).toBe(name.key);
        expect(parseUserName(raw.toLowerCase()).key).toBe(name.key);
      }),
      { numRuns: 500 },
    );
  });
});

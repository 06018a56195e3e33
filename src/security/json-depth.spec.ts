import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.js';

const depthOf = (value: unknown): number =>
  typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

describe(nestsDeeperThan.name, () => {
  it('agrees with the parsed depth of any JSON text, brackets inside strings included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 6 }), (value, limit) => {
        const text = Buffer.from(JSON.stringify(value));
        expect(nestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 2_000 },
    );
  });

  it('does not count brackets in strings, escaped quotes included', () => {
    expect(nestsDeeperThan(Buffer.from(JSON.stringify({ a: '[[[{{{"\\"[[[' })), 1)).toBe(false);
    expect(nestsDeeperThan(Buffer.from('['.repeat(33) + ']'.repeat(33)), 32)).toBe(true);
  });
});

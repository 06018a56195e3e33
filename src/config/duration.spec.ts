import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe(parseDuration.name, () => {
  it.each([
    ['250', 250],
    ['250ms', 250],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    [' 2 h ', 7_200_000],
  ])('reads %j as %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'h', '1.5h', '-1s', '2 weeks', '99999999999999999999d'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

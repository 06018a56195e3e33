import { describe, expect, it } from 'vitest';
import { bearerToken, hashToken, issueToken, tokenMatches } from './user-token.js';

describe('user tokens', () => {
  it('issues 256-bit base64url tokens, each different, stored only as their SHA-256', () => {
    const tokens = Array.from({ length: 100 }, issueToken);
    for (const { token, hash } of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(hashToken(token));
      expect(hash).not.toContain(token);
    }
    expect(new Set(tokens.map((t) => t.token)).size).toBe(100);
  });

  it('matches a token only against its own hash', () => {
    const { token, hash } = issueToken();
    expect(tokenMatches(token, hash)).toBe(true);
    expect(tokenMatches(issueToken().token, hash)).toBe(false);
    expect(tokenMatches(token.slice(1), hash)).toBe(false);
    expect(tokenMatches(undefined, hash)).toBe(false);
    expect(tokenMatches(token, null)).toBe(false);
    expect(tokenMatches('x'.repeat(10_000), hash)).toBe(false);
  });

  it('reads a bearer token from an Authorization header, and nothing else', () => {
    expect(bearerToken('Bearer abc-_1')).toBe('abc-_1');
    expect(bearerToken('bearer abc')).toBe('abc');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', `Bearer ${'x'.repeat(300)}`]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});

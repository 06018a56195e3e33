import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits: guessing one is hopeless, so a fast hash is the right way to store it. */
const TOKEN_BYTES = 32;
/** A presented token longer than this is not one of ours; it is not even hashed. */
const MAX_TOKEN_LENGTH = 256;

export interface IssuedToken {
  /** Shown to the user once (base64url, 43 characters), never stored or logged. */
  token: string;
  /** What the store keeps: SHA-256 of the token, hex. */
  hash: string;
}

export function issueToken(): IssuedToken {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` is the one whose hash is `hash`, compared in constant time. */
export function tokenMatches(token: string | undefined, hash: string | null): boolean {
  if (token === undefined || hash === null || !isPlausibleToken(token)) return false;
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(hash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function isPlausibleToken(token: string): boolean {
  return token.length > 0 && token.length <= MAX_TOKEN_LENGTH;
}

/** The token of an `Authorization: Bearer <token>` header; undefined if there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match && isPlausibleToken(match[1]) ? match[1] : undefined;
}

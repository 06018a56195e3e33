import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type User, UserStore } from '../ports/user.store.js';
import { parseUserName } from './user-name.js';
import { hashToken, isPlausibleToken, issueToken, tokenMatches } from './user-token.js';

/** Why a WebSocket's credentials were refused (for metrics): no such user, or a wrong token. */
export type TokenCheck = { user: User; tokenHash: string } | { refused: 'unknown_user' | 'bad_token' };

/** Told when a user's token was replaced in this process, with the new token's hash. */
export type TokenRotationListener = (userId: string, tokenHash: string) => void;

/** Users are immutable once created, so a positive lookup can be kept; this bounds how many. */
const CACHED_USERS = 100_000;

@Injectable()
export class UsersService {
  private readonly byId = new Map<string, User>();
  private readonly rotationListeners: TokenRotationListener[] = [];
  private readonly creationListeners: ((user: User) => void)[] = [];
  private catchingUp?: Promise<void>;
  private readonly directory = { version: 0, entries: [] as string[], body: Buffer.from('{"users":{}}') };

  constructor(private readonly store: UserStore) {}

  /**
   * Registers `rawName` under the name rules; 400 for a malformed name, 409 for a taken one.
   * The user's secret token comes back here, once: only its hash is stored.
   */
  async create(rawName: string): Promise<User & { token: string }> {
    const name = parseUserName(rawName);
    const { token, hash } = issueToken();
    const user = await this.store.create({ id: randomUUID(), name: name.display, nameKey: name.key, tokenHash: hash });
    this.remember(user);
    for (const listener of this.creationListeners) listener(user);
    return { ...user, token };
  }

  /** Hook for the directory feed: told of each user registered in this process, once stored. */
  onUserCreated(listener: (user: User) => void): void {
    this.creationListeners.push(listener);
  }

  /**
   * The user a bearer token belongs to. Never cached: a rotation in any process must end the
   * old token at once.
   */
  async findByToken(token: string): Promise<User | undefined> {
    return isPlausibleToken(token) ? this.store.findByTokenHash(hashToken(token)) : undefined;
  }

  /** Checks that `token` is user `id`'s, in constant time. */
  async checkToken(id: string, token: string | undefined): Promise<TokenCheck> {
    const credentials = await this.store.findCredentials(id);
    if (!credentials) return { refused: 'unknown_user' };
    return tokenMatches(token, credentials.tokenHash)
      ? { user: credentials.user, tokenHash: credentials.tokenHash! }
      : { refused: 'bad_token' };
  }

  /** The hash of user `id`'s current token (null: none; undefined: no such user). */
  async currentTokenHash(id: string): Promise<string | null | undefined> {
    return (await this.store.findCredentials(id))?.tokenHash;
  }

  /** Hook for the gateway: close sockets that proved a token this process has just replaced. */
  onTokenRotated(listener: TokenRotationListener): void {
    this.rotationListeners.push(listener);
  }

  /**
   * Replaces the token `current` with a new one, returned once; undefined if `current` is
   * nobody's (or a concurrent rotation with it has just won).
   */
  async rotateToken(current: string): Promise<(User & { token: string }) | undefined> {
    const user = await this.findByToken(current);
    if (!user) return undefined;
    const next = issueToken();
    if (!(await this.store.rotateToken(user.id, hashToken(current), next.hash))) return undefined;
    for (const listener of this.rotationListeners) listener(user.id, next.hash);
    return { ...user, token: next.token };
  }

  /** The user `id` if this process has it cached (users never change), without a promise. */
  cachedById(id: string): User | undefined {
    return this.byId.get(id);
  }

  async findById(id: string): Promise<User | undefined> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const user = await this.store.findById(id);
    if (user) this.remember(user);
    return user;
  }

  /**
   * `{ "users": { name: id, ... } }` as UTF-8 JSON, kept between requests. A new user costs
   * reading that user and joining the entries again, not rebuilding the whole directory. The
   * text is written entry by entry, so a name like `__proto__` is an ordinary key.
   */
  async directoryJson(): Promise<Buffer> {
    const version = await this.store.version();
    // One catch-up at a time; loop until it covers what this request has seen committed.
    while (this.directory.version < version) {
      const before = this.directory.version;
      this.catchingUp ??= this.catchUpDirectory().finally(() => (this.catchingUp = undefined));
      await this.catchingUp;
      if (this.directory.version === before) break;
    }
    return this.directory.body;
  }

  private async catchUpDirectory(): Promise<void> {
    const added = await this.store.listSince(this.directory.version);
    for (const { name, id } of added.users) {
      this.directory.entries.push(`${JSON.stringify(name)}:${JSON.stringify(id)}`);
    }
    this.directory.version = added.version;
    this.directory.body = Buffer.from(`{"users":{${this.directory.entries.join(',')}}}`);
  }

  private remember(user: User): void {
    if (this.byId.size >= CACHED_USERS) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(user.id, user);
  }
}

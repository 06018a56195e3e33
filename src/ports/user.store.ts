export interface User {
  id: string;
  /** The display name, as registered. */
  name: string;
}

export interface NewUser extends User {
  /** The uniqueness key (see users/user-name.ts); two users never share one. */
  nameKey: string;
  /**
   * SHA-256 of the user's secret token, hex (see users/user-token.ts); the token itself is
   * never stored. Absent: the user has no token, and AUTH_MODE=token refuses them.
   */
  tokenHash?: string;
}

/** A user with the hash of their token (null: registered without one). */
export interface Credentials {
  user: User;
  tokenHash: string | null;
}

/** Registered users. Users are never renamed or removed. */
export abstract class UserStore {
  /**
   * Stores a new user. Rejects with NameTakenError when `nameKey` is already in use, also when
   * two calls race: uniqueness is the store's guarantee, not the caller's.
   */
  abstract create(user: NewUser): Promise<User>;

  abstract findById(id: string): Promise<User | undefined>;

  /** The user whose token hashes to `tokenHash`. Token hashes are unique (the store's index). */
  abstract findByTokenHash(tokenHash: string): Promise<User | undefined>;

  /** The user `id` with their token's hash, for checking a token they present; undefined if no such user. */
  abstract findCredentials(id: string): Promise<Credentials | undefined>;

  /**
   * Replaces the token hash of `id` with `nextHash` if it is still `currentHash`, atomically:
   * of two rotations presenting the same token, one wins. False if the hash did not match.
   */
  abstract rotateToken(id: string, currentHash: string, nextHash: string): Promise<boolean>;

  /**
   * The directory's version: it grows whenever a user is added, by any process. Cheap, so a
   * cache can check it on every read.
   */
  abstract version(): Promise<number>;

  /**
   * Users added after directory version `since` (0: every user), in registration order, with
   * the version they bring the directory to: at most `limit` of them when given, so a reader
   * can page (the version is then the last listed user's). A cache reads only what is new.
   */
  abstract listSince(since: number, limit?: number): Promise<{ users: User[]; version: number }>;

  /** Resolves when the backing store answers. */
  abstract ping(): Promise<void>;
}

export interface User {
  id: string;
  /** The display name, as registered. */
  name: string;
}

export interface NewUser extends User {
  /** The uniqueness key (see users/user-name.ts); two users never share one. */
  nameKey: string;
}

/** Registered users. Users are never renamed or removed. */
export abstract class UserStore {
  /**
   * Stores a new user. Rejects with NameTakenError when `nameKey` is already in use, also when
   * two calls race: uniqueness is the store's guarantee, not the caller's.
   */
  abstract create(user: NewUser): Promise<User>;

  abstract findById(id: string): Promise<User | undefined>;

  /**
   * The directory's version: it grows whenever a user is added, by any process. Cheap, so a
   * cache can check it on every read.
   */
  abstract version(): Promise<number>;

  /**
   * Users added after directory version `since` (0: every user), in registration order, with
   * the version they bring the directory to. A cache reads only what is new.
   */
  abstract listSince(since: number): Promise<{ users: User[]; version: number }>;

  /** Resolves when the backing store answers. */
  abstract ping(): Promise<void>;
}

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

  /** Every user, in registration order. */
  abstract listAll(): Promise<User[]>;

  /** A number that changes whenever a user is added (by any process), to validate caches. */
  abstract version(): Promise<number>;

  /** Resolves when the backing store answers. */
  abstract ping(): Promise<void>;
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type User, UserStore } from '../storage/user.store.js';
import { parseUserName } from './user-name.js';

/** Users are immutable once created, so a positive lookup can be kept; this bounds how many. */
const CACHED_USERS = 100_000;

@Injectable()
export class UsersService {
  private readonly byId = new Map<string, User>();
  private directory?: { version: number; json: string };

  constructor(private readonly store: UserStore) {}

  /** Registers `rawName` under the name rules; 400 for a malformed name, 409 for a taken one. */
  async create(rawName: string): Promise<User> {
    const name = parseUserName(rawName);
    const user = await this.store.create({ id: randomUUID(), name: name.display, nameKey: name.key });
    this.remember(user);
    return user;
  }

  async findById(id: string): Promise<User | undefined> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const user = await this.store.findById(id);
    if (user) this.remember(user);
    return user;
  }

  /**
   * `{ "users": { name: id, ... } }` as JSON text, rebuilt only when a user was added. Built
   * on a prototype-less object so that a name like `__proto__` is an ordinary key.
   */
  async directoryJson(): Promise<string> {
    const version = await this.store.version();
    if (this.directory?.version !== version) {
      const users: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const { name, id } of await this.store.listAll()) users[name] = id;
      this.directory = { version, json: JSON.stringify({ users }) };
    }
    return this.directory.json;
  }

  private remember(user: User): void {
    if (this.byId.size >= CACHED_USERS) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(user.id, user);
  }
}

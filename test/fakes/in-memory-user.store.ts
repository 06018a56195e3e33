import { NameTakenError } from '../../src/common/domain-errors.js';
import { type Credentials, type NewUser, type User, UserStore } from '../../src/ports/user.store.js';

/** UserStore in a Map, for unit tests. Held to the same contract suite as the real adapters. */
export class InMemoryUserStore extends UserStore {
  private readonly users: NewUser[] = [];

  create(user: NewUser): Promise<User> {
    if (this.users.some((u) => u.nameKey === user.nameKey)) return Promise.reject(new NameTakenError(user.name));
    if (user.tokenHash !== undefined && this.users.some((u) => u.tokenHash === user.tokenHash)) {
      return Promise.reject(new Error('token hash collision'));
    }
    this.users.push({ ...user });
    return Promise.resolve({ id: user.id, name: user.name });
  }

  findById(id: string): Promise<User | undefined> {
    const user = this.users.find((u) => u.id === id);
    return Promise.resolve(user && { id: user.id, name: user.name });
  }

  findByTokenHash(tokenHash: string): Promise<User | undefined> {
    const user = this.users.find((u) => u.tokenHash === tokenHash);
    return Promise.resolve(user && { id: user.id, name: user.name });
  }

  findCredentials(id: string): Promise<Credentials | undefined> {
    const user = this.users.find((u) => u.id === id);
    return Promise.resolve(user && { user: { id: user.id, name: user.name }, tokenHash: user.tokenHash ?? null });
  }

  rotateToken(id: string, currentHash: string, nextHash: string): Promise<boolean> {
    const user = this.users.find((u) => u.id === id);
    if (!user || user.tokenHash !== currentHash) return Promise.resolve(false);
    user.tokenHash = nextHash;
    return Promise.resolve(true);
  }

  listSince(since: number, limit?: number): Promise<{ users: User[]; version: number }> {
    const users = this.users
      .slice(since, limit === undefined ? undefined : since + limit)
      .map(({ id, name }) => ({ id, name }));
    return Promise.resolve({ users, version: since + users.length });
  }

  version(): Promise<number> {
    return Promise.resolve(this.users.length);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}

import { describe, expect, it } from 'vitest';
import { InMemoryUserStore } from '../../test/fakes/in-memory-user.store.js';
import { InvalidInputError, NameTakenError } from '../common/domain-errors.js';
import { UsersService } from './users.service.js';

describe(UsersService.name, () => {
  it('creates users with fresh UUIDs under their normalised name', async () => {
    const users = new UsersService(new InMemoryUserStore());
    const a = await users.create('  Ana ');
    const b = await users.create('Bo');
    expect(a.id).not.toBe(b.id);
    expect(a.name).toBe('Ana');
    await expect(users.create('ANA')).rejects.toBeInstanceOf(NameTakenError);
    await expect(users.create('a\u200bb')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('writes the directory with names such as __proto__ as ordinary keys', async () => {
    const users = new UsersService(new InMemoryUserStore());
    const proto = await users.create('__proto__');
    const ctor = await users.create('constructor');
    expect(String(await users.directoryJson())).toBe(
      `{"users":{"__proto__":"${proto.id}","constructor":"${ctor.id}"}}`,
    );
  });

  it('includes a user created by another process in the next directory', async () => {
    const store = new InMemoryUserStore();
    const users = new UsersService(store);
    await users.create('Ann');
    expect(JSON.parse(String(await users.directoryJson())).users).toHaveProperty('Ann');
    await store.create({ id: 'elsewhere', name: 'Zed', nameKey: 'zed' });
    expect(JSON.parse(String(await users.directoryJson())).users).toHaveProperty('Zed', 'elsewhere');
  });

  it('lists each user once when directory reads overlap with registrations', async () => {
    const users = new UsersService(new InMemoryUserStore());
    const reads: Promise<Buffer>[] = [];
    for (let i = 0; i < 20; i++) {
      await users.create(`user${i}`);
      reads.push(users.directoryJson(), users.directoryJson());
    }
    const bodies = (await Promise.all(reads)).map((body) => String(body));
    const final = String(await users.directoryJson());
    expect(Object.keys(JSON.parse(final).users)).toHaveLength(20);
    expect(final.match(/"user\d+"/g)).toHaveLength(20);
    // Each read includes at least every user created before it was asked.
    bodies.forEach((body, i) =>
      expect(Object.keys(JSON.parse(body).users).length).toBeGreaterThanOrEqual(Math.floor(i / 2) + 1),
    );
  });

  it('finds a user created by another process', async () => {
    const store = new InMemoryUserStore();
    const users = new UsersService(store);
    expect(await users.findById('elsewhere')).toBeUndefined();
    await store.create({ id: 'elsewhere', name: 'Zed', nameKey: 'zed' });
    expect(await users.findById('elsewhere')).toEqual({ id: 'elsewhere', name: 'Zed' });
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { NameTakenError } from '../../src/common/domain-errors.js';
import type { UserStore } from '../../src/ports/user.store.js';

/** What every UserStore adapter, and the fake, must do. `open` gives an empty store. */
export function userStoreContract(adapter: string, open: () => Promise<UserStore>): void {
  describe(`UserStore contract: ${adapter}`, () => {
    let store: UserStore;
    beforeEach(async () => (store = await open()));

    const newUser = (name: string) => ({ id: randomUUID(), name, nameKey: name.toLowerCase() });

    it('finds a created user by id, and nothing for an unknown id', async () => {
      const alice = newUser('Alice');
      expect(await store.create(alice)).toEqual({ id: alice.id, name: 'Alice' });
      expect(await store.findById(alice.id)).toEqual({ id: alice.id, name: 'Alice' });
      expect(await store.findById(randomUUID())).toBeUndefined();
    });

    it('rejects a second user with the same name key with NameTakenError', async () => {
      await store.create(newUser('Bob'));
      await expect(store.create({ ...newUser('BOB'), nameKey: 'bob' })).rejects.toBeInstanceOf(NameTakenError);
      expect((await store.listSince(0)).users).toHaveLength(1);
    });

    it('lists every user in registration order, with the version that brings', async () => {
      const names = ['Zed', 'Amy', 'Mo', '__proto__'];
      for (const name of names) await store.create(newUser(name));
      const { users, version } = await store.listSince(0);
      expect(users.map((u) => u.name)).toEqual(names);
      expect(version).toBe(await store.version());
    });

    it('lists only the users added after a version', async () => {
      await store.create(newUser('Old'));
      const { version } = await store.listSince(0);
      await store.create(newUser('New1'));
      await store.create(newUser('New2'));
      const later = await store.listSince(version);
      expect(later.users.map((u) => u.name)).toEqual(['New1', 'New2']);
      expect(later.version).toBe(await store.version());
      expect(await store.listSince(later.version)).toEqual({ users: [], version: later.version });
    });

    it('pages the users after a version, at most `limit` at a time, to the end', async () => {
      const { version: start } = await store.listSince(0);
      const names = ['P1', 'P2', 'P3', 'P4', 'P5'];
      for (const name of names) await store.create(newUser(name));
      const seen: string[] = [];
      let cursor = start;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listSince(cursor, 2);
        expect(page.users.length).toBeLessThanOrEqual(2);
        if (page.users.length === 0) {
          expect(page.version).toBe(cursor);
          break;
        }
        expect(page.version).toBeGreaterThan(cursor);
        seen.push(...page.users.map((u) => u.name));
        cursor = page.version;
      }
      expect(seen).toEqual(names);
      expect(cursor).toBe(await store.version());
    });

    it('changes its version when a user is added, and only then', async () => {
      const before = await store.version();
      expect(await store.version()).toBe(before);
      await store.create(newUser('Ann'));
      const after = await store.version();
      expect(after).not.toBe(before);
      await store.create(newUser('Ann')).catch(() => undefined);
      expect(await store.version()).toBe(after);
    });

    const hash = () => randomBytes(32).toString('hex');

    it('keeps a token hash with the user: found by it, and given with the user’s credentials', async () => {
      const tokenHash = hash();
      const carol = { ...newUser('Carol'), tokenHash };
      await store.create(carol);
      expect(await store.findByTokenHash(tokenHash)).toEqual({ id: carol.id, name: 'Carol' });
      expect(await store.findByTokenHash(hash())).toBeUndefined();
      expect(await store.findCredentials(carol.id)).toEqual({ user: { id: carol.id, name: 'Carol' }, tokenHash });
      expect(await store.findCredentials(randomUUID())).toBeUndefined();
    });

    it('gives a user created without a token null credentials, found by no hash', async () => {
      const dave = newUser('Dave');
      await store.create(dave);
      expect(await store.findCredentials(dave.id)).toEqual({ user: { id: dave.id, name: 'Dave' }, tokenHash: null });
      expect(await store.rotateToken(dave.id, hash(), hash())).toBe(false);
    });

    it('rotates a token only from the current hash, and the old hash finds no one after', async () => {
      const [first, second] = [hash(), hash()];
      const erin = { ...newUser('Erin'), tokenHash: first };
      await store.create(erin);
      expect(await store.rotateToken(erin.id, hash(), second)).toBe(false);
      expect(await store.rotateToken(erin.id, first, second)).toBe(true);
      expect(await store.findByTokenHash(first)).toBeUndefined();
      expect(await store.findByTokenHash(second)).toEqual({ id: erin.id, name: 'Erin' });
      expect((await store.findCredentials(erin.id))?.tokenHash).toBe(second);
    });

    it('lets exactly one of several concurrent rotations from the same hash win', async () => {
      const current = hash();
      const finn = { ...newUser('Finn'), tokenHash: current };
      await store.create(finn);
      const nexts = Array.from({ length: 8 }, hash);
      const won = await Promise.all(nexts.map((next) => store.rotateToken(finn.id, current, next)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect((await store.findCredentials(finn.id))?.tokenHash).toBe(nexts[won.indexOf(true)]);
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

import { describe, expect, it } from 'vitest';
import { PeopleIndex } from './people-index.js';

const names = (index: PeopleIndex, query = '', limit = 100) => index.find(query, limit).people.map((p) => p.name);

describe(PeopleIndex.name, () => {
  it('keeps people in name order without regard to case, whether they come one by one or in bulk', () => {
    const oneByOne = new PeopleIndex();
    for (const name of ['carol', 'Bob', 'alice', 'Dave']) oneByOne.add([{ id: name, name }]);
    expect(names(oneByOne)).toEqual(['alice', 'Bob', 'carol', 'Dave']);

    const bulk = new PeopleIndex();
    const many = Array.from({ length: 200 }, (_, i) => ({
      id: `id${i}`,
      name: `user${String(199 - i).padStart(3, '0')}`,
    }));
    bulk.add(many);
    bulk.add([{ id: 'x', name: 'User050b' }]);
    expect(names(bulk, '', 3)).toEqual(['user000', 'user001', 'user002']);
    expect(names(bulk, 'user05', 100).slice(0, 3)).toEqual(['user050', 'User050b', 'user051']);
  });

  it('adds an id once', () => {
    const index = new PeopleIndex();
    index.add([{ id: 'a', name: 'Alice' }]);
    index.add([{ id: 'a', name: 'Alice' }]);
    expect(index.size).toBe(1);
    expect(index.has('a')).toBe(true);
  });

  it('finds names containing the query, the first `limit` of them, and counts them all', () => {
    const index = new PeopleIndex();
    index.add(Array.from({ length: 30_000 }, (_, i) => ({ id: `id${i}`, name: `Person ${i}` })));
    const found = index.find('PERSON 2999', 5);
    expect(found.total).toBe(11);
    expect(found.people.map((p) => p.name)).toEqual([
      'Person 2999',
      'Person 29990',
      'Person 29991',
      'Person 29992',
      'Person 29993',
    ]);
    expect(index.find('nobody', 5)).toEqual({ people: [], total: 0 });
    expect(index.find('  ', 2).total).toBe(30_000);
  });
});

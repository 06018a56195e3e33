import { describe, expect, it } from 'vitest';
import { findUser } from './user-lookup.js';

describe(findUser.name, () => {
  const directory = new Map([
    ['Alice', 'id-alice'],
    ['bob', 'id-bob'],
    ['__proto__', 'id-proto'],
    ['José', 'id-jose'],
  ]);

  it('finds an exact name first', () => {
    expect(findUser(directory, 'Alice')).toEqual({ name: 'Alice', id: 'id-alice' });
    expect(findUser(directory, '__proto__')).toEqual({ name: '__proto__', id: 'id-proto' });
  });

  it('then a name typed in another case, or another Unicode form', () => {
    expect(findUser(directory, 'BOB')).toEqual({ name: 'bob', id: 'id-bob' });
    expect(findUser(directory, ' alice ')).toEqual({ name: 'Alice', id: 'id-alice' });
    expect(findUser(directory, 'jose\u0301'.replace('j', 'J'))).toEqual({ name: 'José', id: 'id-jose' });
  });

  it('then an id', () => {
    expect(findUser(directory, 'id-bob')).toEqual({ name: 'bob', id: 'id-bob' });
  });

  it('finds nothing for an unknown name or id', () => {
    expect(findUser(directory, 'Carol')).toBeUndefined();
    expect(findUser(directory, 'constructor')).toBeUndefined();
  });
});

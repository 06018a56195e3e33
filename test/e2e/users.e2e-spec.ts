import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApp } from '../support/test-app.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('users', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start()));
  afterAll(() => app.close());

  const create = (body: unknown) => app.post('/api/users/create', body);

  it('registers a name and answers 201 with a UUID v4, and the user’s token beside it', async () => {
    const res = await create({ name: 'Alice' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(UUID_V4), token: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it('lists every registered user as name to id', async () => {
    const bob = await app.createUser('Bob');
    const carol = await app.createUser('Carol');
    const res = await app.get('/api/users/list');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.users).toMatchObject({ Bob: bob.id, Carol: carol.id });
  });

  it('refuses a taken name with 409, without regard to case or compatibility form', async () => {
    await app.createUser('Dave');
    for (const name of ['Dave', 'dave', 'DAVE', ' Dave ', 'Ｄａｖｅ']) {
      const res = await create({ name });
      expect(res.status, name).toBe(409);
      expect(res.body).toEqual({ statusCode: 409, message: expect.any(String), error: 'Conflict' });
    }
  });

  it('keeps the display name in the case it was registered with, trimmed and in NFC', async () => {
    const { body } = await create({ name: '  Zoë\u0301x ' });
    const decomposed = await create({ name: 'Rene\u0301' });
    const list = await app.get('/api/users/list');
    expect(list.body.users['Zoë\u0301x'.normalize('NFC')]).toBe(body.id);
    expect(list.body.users['René']).toBe(decomposed.body.id);
    expect(list.body.users['Rene\u0301']).toBeUndefined();
  });

  it('accepts the names spec clients use: test-suite names, e-mail addresses, any script, emoji', async () => {
    const names = [
      `testuser_${randomUUID()}`,
      'j.doe@corp.example',
      'José',
      '李雷',
      'Ana (QA)',
      "O'Neil",
      'Ольга',
      'bob!',
      '<b>',
      '🦊 Fox',
      '👩‍💻',
      'a',
      'x'.repeat(64),
      '𝒜'.repeat(64),
    ];
    const ids: Record<string, string> = {};
    for (const name of names) {
      const res = await create({ name });
      expect(res.status, name).toBe(201);
      ids[name] = res.body.id;
    }
    const { body } = await app.get('/api/users/list');
    for (const name of names) expect(body.users[name], name).toBe(ids[name]);
  });

  it('reserves the name anonymous', async () => {
    expect((await create({ name: 'anonymous' })).status).toBe(409);
    expect((await create({ name: 'Anonymous' })).status).toBe(409);
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name over 64 characters', { name: 'y'.repeat(65) }],
    ['a name with a tab', { name: 'a\tb' }],
    ['a name with a line feed', { name: 'a\nb' }],
    ['a name with a control character', { name: 'bell\u0007' }],
    ['a name with a zero-width space', { name: 'zero\u200bwidth' }],
    ['a name with a bidi override', { name: 'abc\u202egpj.exe' }],
    ['a name with a line separator', { name: 'a\u2028b' }],
    ['a name with a paragraph separator', { name: 'a\u2029b' }],
    ['a name with a no-break space', { name: 'a\u00a0b' }],
    ['a name with a private-use character', { name: 'a\ue000b' }],
    ['a name with an unassigned code point', { name: 'a\u0378b' }],
    ['a name with a lone surrogate', '{"name": "a\\ud800b"}'],
    ['a number', { name: 42 }],
    ['null', { name: null }],
    ['an array', { name: ['Eve'] }],
    ['no name', {}],
    ['a body that is an array', [{ name: 'Eve' }]],
    ['a body that is a string', '"Eve"'],
    ['malformed JSON', '{"name": "Eve"'],
    ['an empty body', ''],
  ])('answers 400 in Nest error shape for %s', async (_what, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, message: expect.any(String), error: 'Bad Request' });
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const res = await create({ name: 'Eve', padding: 'p'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ statusCode: 413, message: expect.any(String), error: 'Payload Too Large' });
  });

  it('reads a JSON body whatever its Content-Type (curl -d sends a form type)', async () => {
    const res = await app.request(
      'POST',
      '/api/users/create',
      { name: 'Formy' },
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect(res.status).toBe(201);
  });

  it('creates exactly one user when 50 requests race for one name', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => create({ name: 'Racer' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const winner = results.find((r) => r.status === 201)!;
    expect((await app.get('/api/users/list')).body.users.Racer).toBe(winner.body.id);
  });

  it('lists names such as __proto__ and constructor as plain keys', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) {
      ids[name] = (await app.createUser(name)).id;
    }
    const res = await app.get('/api/users/list');
    const users = JSON.parse(JSON.stringify(res.body.users)) as object;
    for (const [name, id] of Object.entries(ids)) {
      expect(Object.getOwnPropertyDescriptor(res.body.users, name)?.value, name).toBe(id);
    }
    expect(Object.getPrototypeOf(users)).toBe(Object.prototype);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.get('/api/users/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

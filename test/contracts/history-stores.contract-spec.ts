import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryHistoryStore } from '../../src/client/memory-history.store.js';
import { JsonLinesHistoryStore } from '../../src/client/node/json-lines-history.store.js';
import { WebStorageHistoryStore } from '../../src/client/web-storage-history.store.js';
import { InMemoryStorage } from '../fakes/in-memory-storage.js';
import { historyStoreContract, received } from './history-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'cohora-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `user-${++files}`, 'history.jsonl');

historyStoreContract('in memory', () => Promise.resolve({ store: new MemoryHistoryStore() }));

historyStoreContract('localStorage', () => {
  const storage = new InMemoryStorage();
  const open = () => new WebStorageHistoryStore({ key: 'cohora:history:bob', storage });
  return Promise.resolve({ store: open(), reopen: open });
});

historyStoreContract('JSON Lines file', () => {
  const file = newFile();
  return Promise.resolve({ store: new JsonLinesHistoryStore(file), reopen: () => new JsonLinesHistoryStore(file) });
});

describe(JsonLinesHistoryStore.name, () => {
  it('writes one JSON object per line, creating the folder', async () => {
    const file = newFile();
    await new JsonLinesHistoryStore(file).append(received('0000000000000001', 'hello'));
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0])).toMatchObject({ id: '0000000000000001', direction: 'in', message: 'hello' });
    expect(lines[1]).toBe('');
  });

  it('skips a line cut short by a crash, and does not glue the next entry onto it', async () => {
    const file = newFile();
    await new JsonLinesHistoryStore(file).append(received('0000000000000001'));
    appendFileSync(file, '{"id":"0000000000000002","direction":"in","fr');
    const store = new JsonLinesHistoryStore(file);
    expect((await store.entries()).map((entry) => entry.id)).toEqual(['0000000000000001']);
    await store.append(received('0000000000000003'));
    const reread = await new JsonLinesHistoryStore(file).entries();
    expect(reread.map((entry) => entry.id)).toEqual(['0000000000000001', '0000000000000003']);
  });

  it('reads each id once when two processes both wrote it', async () => {
    const file = newFile();
    const line = `${JSON.stringify(received('0000000000000001'))}\n`;
    const listen = new JsonLinesHistoryStore(file);
    const chat = new JsonLinesHistoryStore(file);
    await listen.append(received('0000000000000001'));
    await chat.entries();
    appendFileSync(file, line);
    expect(await chat.entries()).toEqual([received('0000000000000001')]);
  });

  it('ignores lines that are not history entries', async () => {
    const file = newFile();
    await new JsonLinesHistoryStore(file).append(received('0000000000000001'));
    appendFileSync(file, 'not json\n{"id": 5}\n[]\n');
    expect(await new JsonLinesHistoryStore(file).entries()).toEqual([received('0000000000000001')]);
  });
});

describe(WebStorageHistoryStore.name, () => {
  it('keeps only the newest maxEntries', async () => {
    const store = new WebStorageHistoryStore({ key: 'k', storage: new InMemoryStorage(), maxEntries: 3 });
    for (let i = 1; i <= 5; i++) await store.append(received(String(i)));
    expect((await store.entries()).map((entry) => entry.id)).toEqual(['3', '4', '5']);
  });

  it('drops the oldest entries when the browser quota is reached, keeping the new one', async () => {
    const storage = new InMemoryStorage(4_000);
    const store = new WebStorageHistoryStore({ key: 'k', storage });
    for (let i = 1; i <= 40; i++) await store.append(received(String(i)));
    const ids = (await store.entries()).map((entry) => entry.id);
    expect(ids.at(-1)).toBe('40');
    expect(ids.length).toBeGreaterThan(5);
    expect(ids.length).toBeLessThan(40);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
  });

  it('starts afresh from a value that is not a history', async () => {
    const storage = new InMemoryStorage();
    storage.setItem('k', '{not json');
    const store = new WebStorageHistoryStore({ key: 'k', storage });
    expect(await store.entries()).toEqual([]);
    await store.append(received('1'));
    expect(await store.entries()).toEqual([received('1')]);
  });

  it('keeps one history per key', async () => {
    const storage = new InMemoryStorage();
    await new WebStorageHistoryStore({ key: 'cohora:history:a', storage }).append(received('1'));
    expect(await new WebStorageHistoryStore({ key: 'cohora:history:b', storage }).entries()).toEqual([]);
  });
});

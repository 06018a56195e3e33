import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApp } from '../support/test-app.js';

describe('history retention', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start({ HISTORY_RETENTION: '0', PRUNE_INTERVAL: '1s' })));
  afterAll(() => app.close());

  it('prunes delivered messages past retention but keeps undelivered ones, however old', async () => {
    const [reader, absent] = [await app.createUser('reader'), await app.createUser('absent')];
    const tab = await app.connect(reader.id);
    await app.send(reader.id, 'read and gone');
    await tab.nextFrame();
    await app.send(absent.id, 'waiting');

    // A prune pass runs every second; until it has, a resume from the start still replays.
    let replayed = true;
    for (const deadline = Date.now() + 5_000; replayed && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const replay = await app.connect(reader.id, '0');
      replayed = await replay.nextFrame(300).then(
        () => true,
        () => false,
      );
      replay.close();
    }
    expect(replayed).toBe(false);

    const late = await app.connect(absent.id);
    expect((await late.nextFrame()).message).toBe('waiting');
  });
});

import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WriteFaults } from './write-faults.js';

describe(WriteFaults.name, () => {
  afterEach(() => vi.restoreAllMocks());

  it('logs once when storage starts refusing writes and once when it takes them again, not per write', () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const logs = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const faults = new WriteFaults('The SQLite file /data/cohora.sqlite');
    faults.accepted();
    for (let i = 0; i < 50; i++) faults.refused('full');
    expect(faults.current).toBe('full');
    for (let i = 0; i < 50; i++) faults.accepted();
    expect(faults.current).toBeNull();
    expect(errors.mock.calls).toEqual([
      [
        'The SQLite file /data/cohora.sqlite is full: sends answer 507 and nothing is stored until it takes writes again',
      ],
    ]);
    expect(logs.mock.calls).toEqual([['The SQLite file /data/cohora.sqlite takes writes again']]);
  });
});

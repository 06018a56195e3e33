import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicPruner } from './periodic-pruner.js';

/** Deletes what `rounds` says, one round per call: a number of rows, or an error. */
class ScriptedPruner extends PeriodicPruner {
  protected readonly subject = 'old rows';
  readonly asked: Date[] = [];

  constructor(private readonly rounds: Array<number | Error>) {
    super(60_000);
  }

  protected pruneDue(now: Date): Promise<number> {
    this.asked.push(now);
    const round = this.rounds.shift()!;
    return round instanceof Error ? Promise.reject(round) : Promise.resolve(round);
  }
}

describe(PeriodicPruner.name, () => {
  afterEach(() => vi.restoreAllMocks());

  it('says in the log how many rows went, and nothing when none did', async () => {
    const logged = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    const pruner = new ScriptedPruner([3, 0]);
    const now = new Date('2026-12-01T00:00:00Z');
    await expect(pruner.prune(now)).resolves.toBe(3);
    await expect(pruner.prune(now)).resolves.toBe(0);
    expect(pruner.asked).toEqual([now, now]);
    expect(logged.mock.calls.map(([line]) => line)).toEqual(['Pruned 3 old rows']);
  });

  it('survives a failed round with a warning, and prunes again on the next one', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    const pruner = new ScriptedPruner([new Error('database is locked'), 2]);
    await expect(pruner.prune()).resolves.toBe(0);
    expect(warned).toHaveBeenCalledWith('Pruning old rows failed, will retry: database is locked');
    await expect(pruner.prune()).resolves.toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { isLaterId, isServerMessageId, MessageDeduper } from './message-deduper.js';

describe(MessageDeduper.name, () => {
  it('accepts an id once and refuses it after', () => {
    const deduper = new MessageDeduper();
    expect(deduper.accept('0000000000000001')).toBe(true);
    expect(deduper.accept('0000000000000002')).toBe(true);
    expect(deduper.accept('0000000000000001')).toBe(false);
    expect(deduper.accept('0000000000000002')).toBe(false);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const deduper = new MessageDeduper(3);
    for (const id of ['1', '2', '3', '4']) deduper.accept(id);
    expect(deduper.accept('4')).toBe(false);
    expect(deduper.accept('2')).toBe(false);
    expect(deduper.accept('1')).toBe(true);
  });
});

describe('message ids', () => {
  it('orders digit strings by value, also of different lengths', () => {
    expect(isLaterId('0000000000000010', '0000000000000009')).toBe(true);
    expect(isLaterId('0000000000000009', '0000000000000010')).toBe(false);
    expect(isLaterId('0000000000000010', '0000000000000010')).toBe(false);
    expect(isLaterId('10000000000000000', '9999999999999999')).toBe(true);
    expect(isLaterId('1', undefined)).toBe(true);
  });

  it('recognises server ids and not local ones', () => {
    expect(isServerMessageId('0000000000000042')).toBe(true);
    expect(isServerMessageId('out-abc-123')).toBe(false);
    expect(isServerMessageId('')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { formatMessageId, messageSequence, parseMessageId } from './message-id.js';

describe('message ids', () => {
  it('sort as strings in the order of their sequence numbers', () => {
    const ids = [1, 9, 10, 99, 100, 123_456_789].map(formatMessageId);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(messageSequence)).toEqual([1, 9, 10, 99, 100, 123_456_789]);
  });

  it('read a client id given as digits or a number, padded to our width', () => {
    expect(parseMessageId('42')).toBe('0000000000000042');
    expect(parseMessageId(42)).toBe('0000000000000042');
    expect(parseMessageId('0000000000000042')).toBe('0000000000000042');
  });

  it.each(['', 'abc', '-1', '1.5', '12345678901234567', -1, 1.5, null, {}])('do not read %j', (value) => {
    expect(parseMessageId(value)).toBeUndefined();
  });
});

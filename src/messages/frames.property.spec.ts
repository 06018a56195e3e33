import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMessageId } from '../protocol/message-id.js';
import { messageFrame, parseAuthFrame } from './frames.js';

const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string());

describe('frames (properties)', () => {
  it('writes the same JSON that JSON.stringify would, for any text and names', () => {
    fc.assert(
      fc.property(
        anyText,
        anyText,
        fc.option(fc.uuid(), { nil: null }),
        fc.integer({ min: 1, max: 2 ** 52 }),
        fc.date({ min: new Date(0), max: new Date('2999-12-31'), noInvalidDate: true }),
        (text, senderName, senderId, sequence, sentAt) => {
          const id = formatMessageId(sequence);
          const frame = messageFrame({ recipientId: 'r', senderId, senderName, text, sentAt, id });
          expect(frame).toBe(
            JSON.stringify({ from: senderName, message: text, from_id: senderId, id, sent_at: sentAt.toISOString() }),
          );
          expect(JSON.parse(frame)).toMatchObject({ from: senderName, message: text });
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('reads any first frame without throwing: an id of 1 to 128 characters, or nothing', () => {
    const frames = fc.oneof(
      anyText,
      fc.json(),
      fc.anything().map((value) => {
        try {
          return JSON.stringify(value) ?? 'undefined';
        } catch {
          return String(typeof value);
        }
      }),
      fc.record({ id: fc.anything(), since: fc.anything() }).map((value) => JSON.stringify(value) ?? ''),
    );
    fc.assert(
      fc.property(frames, (data) => {
        const frame = parseAuthFrame(data);
        if (frame === undefined) return;
        expect(typeof frame.id).toBe('string');
        expect(frame.id.length).toBeGreaterThanOrEqual(1);
        expect(frame.id.length).toBeLessThanOrEqual(128);
        if (frame.since !== undefined) expect(frame.since).toMatch(/^\d{16}$/);
      }),
      { numRuns: 3_000 },
    );
  });
});

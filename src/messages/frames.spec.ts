import { describe, expect, it } from 'vitest';
import { messageFrame, parseAuthFrame } from './frames.js';

describe(parseAuthFrame.name, () => {
  it('reads the id and an optional since', () => {
    expect(parseAuthFrame('{"id":"u1"}')).toEqual({ id: 'u1', since: undefined, resume: false });
    expect(parseAuthFrame('{"id":"u1","since":"0000000000000042"}')).toEqual({
      id: 'u1',
      since: '0000000000000042',
      resume: true,
    });
    expect(parseAuthFrame('{"id":"u1","since":42}')).toEqual({ id: 'u1', since: '0000000000000042', resume: true });
  });

  it('asks to resume from the start for a since that is not one of our ids', () => {
    expect(parseAuthFrame('{"id":"u1","since":"abc"}')).toEqual({ id: 'u1', since: undefined, resume: true });
    expect(parseAuthFrame('{"id":"u1","since":null}')).toEqual({ id: 'u1', since: undefined, resume: false });
  });

  it.each(['', 'hello', '[]', '"u1"', 'null', '{}', '{"id":1}', '{"id":""}', `{"id":"${'x'.repeat(129)}"}`])(
    'refuses %j',
    (text) => expect(parseAuthFrame(text)).toBeUndefined(),
  );
});

describe(messageFrame.name, () => {
  it('writes the spec fields first and PROTOCOL.md additions after', () => {
    const frame = messageFrame({
      id: '0000000000000007',
      recipientId: 'bob',
      senderId: null,
      senderName: 'anonymous',
      text: 'Hey "there"',
      sentAt: new Date('2026-11-25T10:00:00.000Z'),
    });
    expect(frame).toBe(
      '{"from":"anonymous","message":"Hey \\"there\\"","from_id":null,"id":"0000000000000007","sent_at":"2026-11-25T10:00:00.000Z"}',
    );
  });
});

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
  it('writes exactly what JSON.stringify would, for any text', () => {
    for (const text of ['plain', 'quote " backslash \\ newline \n tab \t', '\u0000\u001f\u2028😀', '</script>']) {
      const message = {
        id: '0000000000000001',
        recipientId: 'r',
        senderId: 'a"b',
        senderName: text,
        text,
        sentAt: new Date(0),
      };
      const frame = messageFrame(message);
      expect(frame).toBe(
        JSON.stringify({
          from: text,
          message: text,
          from_id: 'a"b',
          id: message.id,
          sent_at: '1970-01-01T00:00:00.000Z',
        }),
      );
    }
  });

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

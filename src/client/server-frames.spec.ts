import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './server-frames.js';

const limits = { max_message_length: 4096, max_frame_bytes: 65_536, max_in_flight: 256, max_watch: 256 };

describe(parseServerFrame.name, () => {
  it('tells a message frame (no type) from the typed v2 frames', () => {
    const message = { from: 'Alice', message: 'hi', from_id: 'a', id: '0000000000000001', sent_at: 't' };
    expect(parseServerFrame(JSON.stringify(message))).toEqual({ kind: 'message', frame: message });
    const ready = { type: 'ready', protocol: 'cohora.v2', revision: 1, user_id: 'u', limits };
    expect(parseServerFrame(JSON.stringify(ready))).toEqual({ kind: 'typed', frame: ready });
    const ack = { type: 'ack', key: 'k', message_id: '0000000000000002', delivery: 'queued' };
    expect(parseServerFrame(new TextEncoder().encode(JSON.stringify(ack)))).toEqual({ kind: 'typed', frame: ack });
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['an unknown type', { type: 'news' }],
    ['a ready without limits', { type: 'ready', user_id: 'u' }],
    ['a ready with a zero limit', { type: 'ready', user_id: 'u', limits: { ...limits, max_watch: 0 } }],
    ['an ack with another delivery', { type: 'ack', key: 'k', message_id: '1', delivery: 'maybe' }],
    ['an error without a status', { type: 'error', key: null, message: 'x' }],
    ['an error with a negative retry_after', { type: 'error', key: 'k', status: 503, message: 'x', retry_after: -1 }],
    ['users that are not objects', { type: 'users', added: ['Alice'] }],
    ['presence with numbers', { type: 'presence', online: [1], offline: [] }],
    ['a message without an id', { from: 'Alice', message: 'hi' }],
  ])('refuses %s', (_what, frame) => {
    expect(parseServerFrame(typeof frame === 'string' ? frame : JSON.stringify(frame))).toBeUndefined();
  });
});

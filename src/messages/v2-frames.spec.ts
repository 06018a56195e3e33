import { describe, expect, it } from 'vitest';
import { RecipientNotFoundError } from '../common/domain-errors.js';
import { ackFrame, domainErrorFrame, parseV2Frame } from './v2-frames.js';

describe('v2 frames', () => {
  it('reads a send and a watch, and says why anything else is neither', () => {
    expect(parseV2Frame('{"type":"send","key":"k","recipient_id":"r","message":"m"}')).toMatchObject({
      type: 'send',
      key: 'k',
    });
    expect(parseV2Frame('{"type":"watch","ids":["a"]}')).toEqual({ type: 'watch', ids: ['a'] });
    expect(parseV2Frame('nope')).toEqual({ type: 'invalid', message: 'The frame is not JSON' });
    expect(parseV2Frame('[1]')).toEqual({ type: 'invalid', message: 'The frame must be a JSON object' });
    expect(parseV2Frame('{"id":"x"}')).toEqual({ type: 'invalid', message: 'The frame needs a type: send or watch' });
    expect(parseV2Frame('{"type":"ping"}').type).toBe('invalid');
  });

  it('writes an ack whose text is the JSON of the frame', () => {
    expect(JSON.parse(ackFrame('a"b', '0000000000000001', 'queued'))).toEqual({
      type: 'ack',
      key: 'a"b',
      message_id: '0000000000000001',
      delivery: 'queued',
    });
  });

  it('turns a domain error into its status and text, and nothing else into a frame', () => {
    expect(JSON.parse(domainErrorFrame('k', new RecipientNotFoundError('x'))!)).toEqual({
      type: 'error',
      key: 'k',
      status: 404,
      message: 'recipient_id "x" is not a registered user',
    });
    expect(domainErrorFrame('k', new Error('boom'))).toBeUndefined();
  });
});

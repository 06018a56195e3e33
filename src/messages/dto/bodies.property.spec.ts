import { BadRequestException, ValidationPipe } from '@nestjs/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastCheckOf } from '../../common/fast-body.js';
import { VALIDATION_OPTIONS, validationPipe } from '../../common/validation.pipe.js';
import { MAX_JSON_DEPTH } from '../../security/json-depth.js';
import { CreateUserDto } from '../../users/dto/create-user.dto.js';
import { SendMessageDto } from './send-message.dto.js';

/** What body-parser hands over: any JSON value up to MAX_JSON_DEPTH (deeper is refused before parsing). */
const jsonValue = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      recipient_id: fc.jsonValue(),
      message: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
      sender_id: fc.jsonValue(),
      name: fc.oneof(fc.string({ unit: 'grapheme' }), fc.jsonValue()),
      __proto__: fc.jsonValue(),
      constructor: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc
    .integer({ min: 1, max: MAX_JSON_DEPTH })
    .map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
  fc.integer({ min: 1, max: MAX_JSON_DEPTH - 1 }).map((depth) => ({
    recipient_id: 'x',
    message: 'm',
    extra: JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  })),
);

describe('request bodies (properties)', () => {
  const pipe = validationPipe();

  it.each([
    ['send', SendMessageDto, ['recipient_id', 'message']],
    ['create', CreateUserDto, ['name']],
  ] as const)(
    '%s: any JSON body is either a DTO with string fields or a 400, never another error',
    async (_, metatype, fields) => {
      await fc.assert(
        fc.asyncProperty(jsonValue, async (body) => {
          try {
            const dto = (await pipe.transform(body, { type: 'body', metatype })) as Record<string, unknown>;
            for (const field of fields) expect(typeof dto[field]).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(BadRequestException);
          }
        }),
        { numRuns: 1_500 },
      );
    },
  );

  it('send: the fast check accepts only what class-validator accepts, and gives what it gives', async () => {
    const classValidator = new ValidationPipe(VALIDATION_OPTIONS);
    const fast = fastCheckOf(SendMessageDto)!;
    const sendish = fc.record(
      {
        recipient_id: fc.oneof(fc.string(), fc.jsonValue()),
        message: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
        sender_id: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    // Mostly the right shape, with the edges the check draws: empty strings, null, an extra key.
    const nearlyValid = fc.record(
      {
        recipient_id: fc.oneof(fc.string(), fc.constant('')),
        message: fc.string({ unit: 'binary' }),
        sender_id: fc.oneof(fc.string(), fc.constant(null), fc.constant(7)),
        __proto__: fc.jsonValue(),
      },
      { requiredKeys: ['recipient_id', 'message'] },
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonValue, sendish, nearlyValid), async (body) => {
        const quick = fast(structuredClone(body));
        if (quick === undefined) return;
        accepted++;
        expect(quick).toEqual(
          await classValidator.transform(structuredClone(body), { type: 'body', metatype: SendMessageDto }),
        );
      }),
      { numRuns: 3_000 },
    );
    // The property says something only if the fast path was taken often.
    expect(accepted).toBeGreaterThan(100);
  });
});

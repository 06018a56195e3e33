import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MinLength } from 'class-validator';
import { FastBody } from '../../common/fast-body.js';

/** The 400 texts of a malformed send, shared with the socket's send (messages/socket-sends.ts). */
export const SEND_FIELD_RULES = {
  recipientNotString: 'recipient_id must be a string',
  recipientEmpty: 'recipient_id must not be empty',
  messageNotString: 'message must be a string',
} as const;

const FIELDS = new Set(['recipient_id', 'message', 'sender_id']);

/**
 * The plainly valid send body, checked by hand: a plain object of these three fields only,
 * recipient_id a non-empty string, message a string, sender_id a string, null or absent.
 * Anything else goes to class-validator, which words the 400.
 */
function plainlyValid(body: unknown): SendMessageDto | undefined {
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return undefined;
  for (const key in body) if (!FIELDS.has(key)) return undefined;
  const { recipient_id, message, sender_id } = body as Record<string, unknown>;
  if (typeof recipient_id !== 'string' || recipient_id.length === 0 || typeof message !== 'string') return undefined;
  if (sender_id !== undefined && sender_id !== null && typeof sender_id !== 'string') return undefined;
  // A plain object, as the pipe returns one (it hands on classToPlain of the DTO it checked).
  return 'sender_id' in body ? { recipient_id, message, sender_id } : { recipient_id, message };
}

@FastBody(plainlyValid)
export class SendMessageDto {
  @ApiProperty({ example: '9b2d1a44-0c3e-4f7a-8d5b-1e6a2f3c4d5e', description: 'The id of a registered user.' })
  @IsString({ message: SEND_FIELD_RULES.recipientNotString })
  @MinLength(1, { message: SEND_FIELD_RULES.recipientEmpty })
  recipient_id!: string;

  @ApiProperty({
    example: 'Hello, Bob!',
    description: 'Not empty or only whitespace; at most MAX_MESSAGE_LENGTH (default 4096) characters.',
  })
  @IsString({ message: SEND_FIELD_RULES.messageNotString })
  message!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '3f1c6f7e-2b8e-4a52-9a35-7c1f7f6f4b1e',
    description: 'The sender\'s user id. Without it (or null) the message arrives as from "anonymous".',
  })
  // null counts as absent: many JSON clients write an unset optional field that way.
  @IsOptional()
  @IsString({ message: 'sender_id must be a string' })
  sender_id?: string | null;
}

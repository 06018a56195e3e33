import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MinLength } from 'class-validator';

/** The 400 texts of a malformed send, shared with the socket's send (messages/socket-sends.ts). */
export const SEND_FIELD_RULES = {
  recipientNotString: 'recipient_id must be a string',
  recipientEmpty: 'recipient_id must not be empty',
  messageNotString: 'message must be a string',
} as const;

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

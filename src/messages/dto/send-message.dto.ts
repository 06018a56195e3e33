import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MinLength } from 'class-validator';

export class SendMessageDto {
  @ApiProperty({ example: '9b2d1a44-0c3e-4f7a-8d5b-1e6a2f3c4d5e', description: 'The id of a registered user.' })
  @IsString({ message: 'recipient_id must be a string' })
  @MinLength(1, { message: 'recipient_id must not be empty' })
  recipient_id!: string;

  @ApiProperty({
    example: 'Hello, Bob!',
    description: 'Not empty or only whitespace; at most MAX_MESSAGE_LENGTH (default 4096) characters.',
  })
  @IsString({ message: 'message must be a string' })
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

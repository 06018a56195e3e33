import { ApiProperty } from '@nestjs/swagger';

export class CreatedUserDto {
  @ApiProperty({ example: '3f1c6f7e-2b8e-4a52-9a35-7c1f7f6f4b1e', description: 'The new user id (UUID v4).' })
  id!: string;

  @ApiProperty({
    example: 'q3v0m6m4b3kYc8dJtq8o2cJ8Zr0VwKxN3d5fH1aPq2s',
    description:
      'The user’s secret token (256 random bits, base64url), shown this once; cohora keeps only its hash. ' +
      'Needed with AUTH_MODE=token: `{"id", "token"}` on /ws, `Authorization: Bearer <token>` on send.',
  })
  token!: string;
}

export class UserDirectoryDto {
  @ApiProperty({
    description: 'Every registered user: display name to id.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Alice: '3f1c6f7e-2b8e-4a52-9a35-7c1f7f6f4b1e', Bob: '9b2d1a44-0c3e-4f7a-8d5b-1e6a2f3c4d5e' },
  })
  users!: Record<string, string>;
}

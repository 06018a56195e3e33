import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

export class CreateUserDto {
  @ApiProperty({
    example: 'Alice',
    description:
      '1 to 64 printable characters (code points) after NFC and trimming: letters, marks, digits, punctuation ' +
      'and symbols of any script, emoji included, and spaces (e.g. `José`, `李雷`, `j.doe@corp.example`). ' +
      'Control, format (zero-width, bidi), line-break, other whitespace, private-use and unassigned characters ' +
      'are refused. Unique without regard to case (NFKC, lower case); `anonymous` is reserved.',
  })
  @IsString({ message: 'name must be a string' })
  name!: string;
}

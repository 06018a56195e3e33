import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

export class CreateUserDto {
  @ApiProperty({
    example: 'Alice',
    description:
      "1 to 32 letters, digits, combining marks, spaces, _ . ' or - (any script), after NFC and trimming. " +
      'Unique without regard to case; `anonymous` is reserved.',
  })
  @IsString({ message: 'name must be a string' })
  name!: string;
}

import { ApiProperty } from '@nestjs/swagger';

export type Delivery = 'delivered' | 'queued';

export class SendResultDto {
  @ApiProperty({ example: 'success' })
  status!: 'success';

  @ApiProperty({ example: 'Message sent to recipient_id: 9b2d1a44-0c3e-4f7a-8d5b-1e6a2f3c4d5e' })
  details!: string;

  @ApiProperty({
    enum: ['delivered', 'queued'],
    description: 'delivered: pushed to a connected socket of the recipient; queued: stored until they connect.',
  })
  delivery!: Delivery;

  @ApiProperty({
    example: '0000000000000042',
    description: 'The id of the stored message: the id its frame carries to the recipient.',
  })
  message_id!: string;
}

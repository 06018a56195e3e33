import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

/** The body of every error response (Nest's shape). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'name must be a string' })
  message!: string;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;
}

/** Documents a route's error responses, status to when it happens, with the shared error body. */
export function ApiErrorResponses(when: Record<number, string>): MethodDecorator {
  return applyDecorators(
    ...Object.entries(when).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description: `${STATUS_CODES[status]}: ${description}`,
        type: ErrorResponseDto,
      }),
    ),
  );
}

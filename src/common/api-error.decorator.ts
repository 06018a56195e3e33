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

/** What any route may answer, whatever it does: a generated client must find every status listed. */
const ANY_REQUEST: Record<number, string> = {
  408: 'the request headers took longer than HTTP_HEADERS_TIMEOUT_MS, or the request HTTP_REQUEST_TIMEOUT_MS, to arrive',
  431: 'the request headers are larger than 16 KiB',
  500: 'an unexpected failure; details go to the server log only',
};

/** What any `/api` route may answer besides. */
const ANY_API_REQUEST: Record<number, string> = {
  ...ANY_REQUEST,
  403: 'ALLOWED_ORIGINS is set and a browser sent the request from an origin outside it',
};

/** What any request with a body may answer besides: the body is read as JSON before the route runs. */
const ANY_BODY: Record<number, string> = {
  400: 'the body is not valid JSON, nests deeper than 32 levels, or could not be decompressed',
  413: 'the body is larger than 64 KiB',
  415: 'the Content-Encoding is not identity, gzip, deflate or br, or the charset is not UTF-8',
};

export interface ErrorResponsesScope {
  /** An `/api` route (the origin check, ALLOWED_ORIGINS, applies). Default true. */
  api?: boolean;
  /** A route that reads a request body. Default false. */
  body?: boolean;
}

/**
 * Documents every error a route can answer, status to when it happens, with the shared error
 * body: those of the route (`when`), and those of the layers every request of its kind passes.
 */
export function ApiErrorResponses(
  when: Record<number, string>,
  { api = true, body = false }: ErrorResponsesScope = {},
): MethodDecorator {
  // The route's own description of a status replaces the general one.
  const all = { ...(api ? ANY_API_REQUEST : ANY_REQUEST), ...(body ? ANY_BODY : {}), ...when };
  return applyDecorators(
    ...Object.entries(all).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description: `${STATUS_CODES[status]}: ${description}`,
        type: ErrorResponseDto,
      }),
    ),
  );
}

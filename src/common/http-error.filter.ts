import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { bodyEncodingMessage } from './body-parser-errors.js';
import { requestId } from './request-id.js';
import { DomainError } from './domain-errors.js';

/** Nest's error shape, which every cohora HTTP error follows (some add fields of their own). */
export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
  [extra: string]: unknown;
}

/**
 * Answers every error of an HTTP request with JSON `{ statusCode, message, error }`. A client's
 * mistake gets its 4xx and a message (Nest has already turned body-parser failures, bad JSON or
 * too large, into HttpExceptions); a domain error its own status, headers and fields. Anything
 * else becomes a plain 500 whose details go to the log only, under the request's id.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  /** `bodyLimitBytes` is named in the 413's message. */
  constructor(private readonly bodyLimitBytes: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const body = this.toBody(exception, http.getRequest<Request>(), response);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request, response: Response): ErrorBody {
    if (exception instanceof DomainError) {
      return { ...errorBody(exception.status, exception.message), ...exception.extraFields };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      if (status === 413) {
        return errorBody(status, `The request body is larger than ${formatBytes(this.bodyLimitBytes)}`);
      }
      const encodingMessage = bodyEncodingMessage(status, exception.cause, request);
      if (encodingMessage) return errorBody(status, encodingMessage);
      const answer = exception.getResponse();
      const message = typeof answer === 'object' ? (answer as { message?: unknown }).message : answer;
      if (Array.isArray(message)) return errorBody(status, message.join('; '));
      return errorBody(status, typeof message === 'string' ? message : exception.message);
    }
    const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`Request ${requestId(request, response)} (${request.method} ${request.path}) failed: ${detail}`);
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, message, error: STATUS_CODES[statusCode] ?? 'Error' };
}

/** 65536 → "64 KiB"; a limit that is not whole KiB in bytes. */
function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

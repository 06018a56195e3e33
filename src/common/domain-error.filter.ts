import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { bodyEncodingMessage } from './body-parser-errors.js';
import { DomainError } from './domain-errors.js';

/** Nest's error shape, which every cohora HTTP error follows (some add fields of their own). */
export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
  [extra: string]: unknown;
}

/**
 * Maps every error to `{ statusCode, message, error }`. A client's mistake gets its 4xx and a
 * message; Nest has already turned body-parser failures (bad JSON, too large) into
 * HttpExceptions. Anything unknown becomes a plain 500 whose details go to the log only.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  /** `onError` hears of every error answer, e.g. to count refusals (metrics). */
  constructor(private readonly onError: (request: Request, status: number) => void = () => undefined) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const body = this.toBody(exception, request);
    this.onError(request, body.statusCode);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request): ErrorBody {
    if (exception instanceof DomainError) return errorBody(exception.status, exception.message);
    if (exception instanceof ServiceUnavailableException) {
      // A failed health check (terminus): the usual shape, plus the report's status and details for monitors.
      const { status, details } = exception.getResponse() as { status?: unknown; details?: unknown };
      return { ...errorBody(HttpStatus.SERVICE_UNAVAILABLE, 'cohora is not healthy: see details'), status, details };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      if (status === 413) return errorBody(status, 'The request body is larger than 64 KiB');
      const encodingMessage = bodyEncodingMessage(status, exception.cause, request);
      if (encodingMessage) return errorBody(status, encodingMessage);
      const response = exception.getResponse();
      const message = typeof response === 'object' ? (response as { message?: unknown }).message : response;
      if (Array.isArray(message)) return errorBody(status, message.join('; '));
      return errorBody(status, typeof message === 'string' ? message : exception.message);
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, message, error: STATUS_CODES[statusCode] ?? 'Error' };
}

import { type ArgumentsHost, Catch, type ExceptionFilter, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { HttpErrorFilter } from '../common/http-error.filter.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from './metrics.js';

/**
 * Bound to the send route (`@UseFilters(RefusedSendsFilter)`): answers its errors as every
 * route does, and counts the refusal by status, whichever step refused it (token, rate limit,
 * validation or the service). Accepted sends are counted by MessagesService, which knows
 * whether they were delivered or queued. A request refused before routing (its body unreadable
 * or too large, a foreign origin) never reaches the route: the request log shows it.
 */
@Catch()
@Injectable()
export class RefusedSendsFilter implements ExceptionFilter {
  private readonly answer: HttpErrorFilter;

  constructor(
    private readonly metrics: Metrics,
    config: AppConfig,
  ) {
    this.answer = new HttpErrorFilter(config.http.bodyLimitBytes);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    this.answer.catch(exception, host);
    this.metrics.sends.inc({ outcome: String(host.switchToHttp().getResponse<Response>().statusCode) });
  }
}

import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-error.decorator.js';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { UnhealthyError } from '../common/domain-errors.js';
import { MessageBus } from '../ports/message.bus.js';
import { MessageStore } from '../ports/message.store.js';
import { UserStore } from '../ports/user.store.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly users: UserStore,
    private readonly messages: MessageStore,
    private readonly bus: MessageBus,
  ) {}

  @Get()
  // Above HealthCheck, which documents its own 503 body: ours is the error shape plus the report.
  @ApiErrorResponses(
    { 503: 'the database does not answer in 2 s; the error body also holds the report (status, details)' },
    { api: false },
  )
  @HealthCheck()
  @ApiOperation({
    summary: '200 while the database answers and takes writes, 503 otherwise',
    description:
      '`bus.connected` says whether pushes reach the other processes right now. A bus outage does not ' +
      'make the process unhealthy: sends are still stored, and pushes catch up when the bus is back. ' +
      '`storage.fault` is `full` or `read-only` while the last write was refused for that (sends answer 507).',
  })
  async check() {
    try {
      return await this.report();
    } catch (error) {
      // Terminus reports a failed check as a 503 exception carrying the report.
      if (error instanceof ServiceUnavailableException) throw new UnhealthyError(error.getResponse() as object);
      throw error;
    }
  }

  private report() {
    return this.health.check([
      () => this.indicators.check('bus').up({ connected: this.bus.connected() }),
      () => {
        const fault = this.messages.writeFault();
        const storage = this.indicators.check('storage');
        return fault === null ? storage.up({ writable: true }) : storage.down({ writable: false, fault });
      },
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await Promise.all([this.users.ping(), this.messages.ping()]);
          })
          .withTimeout(2_000),
    ]);
  }
}

import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ClusterMetrics } from './cluster-metrics.js';

/** Prometheus scrapes `/metrics`: the whole deployment when REDIS_URL is set, else this process. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly cluster: ClusterMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.cluster.scrape();
    res.type(this.cluster.contentType).send(body);
  }
}

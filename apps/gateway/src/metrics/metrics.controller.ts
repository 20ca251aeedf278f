import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SkipThrottle } from '@nestjs/throttler';
import { Metrics } from '@geobatch/util-observability';
import { Public } from '../auth/auth.decorators';

/** Prometheus scrape endpoint: rows read, chunk publish latency, job durations and Node's own metrics. */
// Scraped by Prometheus inside the deployment, like /health: no key, no rate limit.
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}

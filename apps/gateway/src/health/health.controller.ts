import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { HealthStatusDto } from './health-status.dto';
import { HealthService } from './health.service';

@ApiTags('health')
// Probes and load balancers call it without a key, often: neither a key nor a rate limit applies.
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Readiness: answers 200 only when both Kafka and the database answer' })
  @ApiOkResponse({ type: HealthStatusDto, description: '`{ "status": "ok", "kafka": "up", "database": "up" }`' })
  @ApiServiceUnavailableResponse({ type: HealthStatusDto, description: 'A dependency is down; the body says which.' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthStatusDto> {
    const health = await this.health.check();
    // Same body either way, so a probe or a person sees which dependency is down.
    res.status(health.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return health;
  }
}

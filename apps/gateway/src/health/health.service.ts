import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pingDatabase } from '@geobatch/util-database';
import { pingKafka } from '@geobatch/util-kafka';
import { answersWithin } from '@geobatch/util-retry';
import { GATEWAY_CLIENT_ID, GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import type { HealthStatusDto } from './health-status.dto';

const PROBE_TIMEOUT_MS = 3_000;

/** Probes the broker and the database in parallel; both must answer for the gateway to be healthy. */
@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly db: DataSource,
  ) {}

  async check(): Promise<HealthStatusDto> {
    const [kafka, database] = await Promise.all([
      pingKafka({ clientId: GATEWAY_CLIENT_ID, brokers: this.config.KAFKA_BROKERS }, PROBE_TIMEOUT_MS),
      answersWithin(() => pingDatabase(this.db), PROBE_TIMEOUT_MS),
    ]);
    const health: HealthStatusDto = {
      status: kafka && database ? 'ok' : 'error',
      kafka: kafka ? 'up' : 'down',
      database: database ? 'up' : 'down',
    };
    if (health.status !== 'ok') this.logger.warn({ msg: 'health check failed', ...health });
    return health;
  }
}

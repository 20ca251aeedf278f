import { ApiProperty } from '@nestjs/swagger';

export type DependencyState = 'up' | 'down';

/**
 * Answer of `GET /health`, with status 200 when every dependency is up and 503 otherwise.
 * Gateway-owned (not a contract), so it carries its Swagger decorators itself.
 */
export class HealthStatusDto {
  @ApiProperty({ enum: ['ok', 'error'], description: '`ok` when the gateway can accept jobs.' })
  status!: 'ok' | 'error';

  @ApiProperty({ enum: ['up', 'down'], description: 'Whether the Kafka broker answered a metadata request.' })
  kafka!: DependencyState;

  @ApiProperty({ enum: ['up', 'down'], description: 'Whether the database answered `SELECT 1`.' })
  database!: DependencyState;
}

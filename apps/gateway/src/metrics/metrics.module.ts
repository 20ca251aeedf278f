import { Module } from '@nestjs/common';
import { MetricsModule } from '@geobatch/util-observability';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [MetricsModule.forRoot('gateway')],
  controllers: [MetricsController],
})
export class GatewayMetricsModule {}

import { Module } from '@nestjs/common';
import { geocodeClientProvider, GeocodeClientLifecycle } from './geocode-client.provider';
import { GeocodeController } from './geocode.controller';
import { GeocodeService } from './geocode.service';

@Module({
  controllers: [GeocodeController],
  providers: [geocodeClientProvider, GeocodeClientLifecycle, GeocodeService],
})
export class GeocodeModule {}

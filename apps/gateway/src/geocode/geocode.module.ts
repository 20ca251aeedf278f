import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { DatasetResolverService } from '../datasets/dataset-resolver.service';
import { geocodeClientProvider, GeocodeClientLifecycle } from './geocode-client.provider';
import { GeocodeController } from './geocode.controller';
import { GeocodeService } from './geocode.service';

@Module({
  imports: [DatabaseModule],
  controllers: [GeocodeController],
  providers: [geocodeClientProvider, GeocodeClientLifecycle, GeocodeService, DatasetResolverService],
})
export class GeocodeModule {}

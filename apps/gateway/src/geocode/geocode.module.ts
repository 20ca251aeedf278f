import { Module } from '@nestjs/common';
import { DatasetRepository } from '@geobatch/geo-query';
import { DATASET_LOOKUP, DatasetResolverService } from '../datasets/dataset-resolver.service';
import { geocodeClientProvider, GeocodeClientLifecycle } from './geocode-client.provider';
import { GeocodeController } from './geocode.controller';
import { GeocodeService } from './geocode.service';

@Module({
  controllers: [GeocodeController],
  providers: [geocodeClientProvider, GeocodeClientLifecycle, GeocodeService, DatasetResolverService, { provide: DATASET_LOOKUP, useExisting: DatasetRepository }],
})
export class GeocodeModule {}

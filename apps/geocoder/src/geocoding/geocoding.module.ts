import { Module } from '@nestjs/common';
import { DatabaseModule } from '../persistence/database.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { engineRegistryProvider, EngineRegistryLifecycle } from './engine-registry.provider';
import { GeocodeRequestHandler } from './geocode-request.handler';
import { GeocodeRequestService } from './geocode-request.service';
import { RowsChunkHandler } from './rows-chunk.handler';

@Module({
  imports: [DatabaseModule],
  controllers: [RowsChunkHandler, GeocodeRequestHandler],
  providers: [engineRegistryProvider, EngineRegistryLifecycle, ChunkGeocoder, GeocodeRequestService, DeadLetterPublisher],
})
export class GeocodingModule {}

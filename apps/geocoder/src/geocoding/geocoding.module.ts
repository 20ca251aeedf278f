import { Module } from '@nestjs/common';
import { DEAD_LETTER_GROUP, DeadLetterPublisher } from '@geobatch/util-kafka';
import { GeocoderConfig } from '../config/geocoder-config.module';
import { DatabaseModule } from '../persistence/database.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { engineRegistryProvider, EngineRegistryLifecycle } from './engine-registry.provider';
import { GeocodeRequestHandler } from './geocode-request.handler';
import { GeocodeRequestService } from './geocode-request.service';
import { RowsChunkHandler } from './rows-chunk.handler';

@Module({
  imports: [DatabaseModule],
  controllers: [RowsChunkHandler, GeocodeRequestHandler],
  providers: [
    engineRegistryProvider,
    EngineRegistryLifecycle,
    ChunkGeocoder,
    GeocodeRequestService,
    DeadLetterPublisher,
    // Nest's Kafka server joins `<group>-server`: name that group on the letters.
    { provide: DEAD_LETTER_GROUP, inject: [GeocoderConfig], useFactory: (c: GeocoderConfig) => `${c.GEOCODER_GROUP_ID}-server` },
  ],
})
export class GeocodingModule {}

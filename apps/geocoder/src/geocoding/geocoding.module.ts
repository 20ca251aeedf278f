import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobStatusCache } from '@geobatch/job-store';
import { consumerSkeletonProviders } from '@geobatch/util-kafka';
import { GEOCODER_CONFIG, type GeocoderConfig } from '../config/geocoder-config.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { engineRegistryProvider, EngineRegistryLifecycle } from './engine-registry.provider';
import { GeocodeRequestHandler } from './geocode-request.handler';
import { GeocodeRequestService } from './geocode-request.service';
import { RowsChunkHandler } from './rows-chunk.handler';

@Module({
  controllers: [RowsChunkHandler, GeocodeRequestHandler],
  providers: [
    engineRegistryProvider,
    EngineRegistryLifecycle,
    ChunkGeocoder,
    GeocodeRequestService,
    ...consumerSkeletonProviders(GEOCODER_CONFIG, (c: GeocoderConfig) => ({
      attempts: c.GEOCODER_RETRY_ATTEMPTS,
      backoffMs: c.GEOCODER_RETRY_BACKOFF_MS,
      heartbeatEveryMs: c.KAFKA_HEARTBEAT_INTERVAL_MS,
      consumerGroup: `${c.GEOCODER_GROUP_ID}-server`,
    })),
    {
      provide: JobStatusCache,
      inject: [DataSource, GEOCODER_CONFIG],
      useFactory: (db: DataSource, c: GeocoderConfig) => new JobStatusCache(db, c.GEOCODER_JOB_STATUS_TTL_MS),
    },
  ],
})
export class GeocodingModule {}

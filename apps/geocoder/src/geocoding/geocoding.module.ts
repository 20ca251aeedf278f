import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobStatusCache } from '@geobatch/job-store';
import { ConsumerSkeleton, DEAD_LETTER_GROUP, DeadLetterPublisher } from '@geobatch/util-kafka';
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
    DeadLetterPublisher,
    {
      provide: ConsumerSkeleton,
      inject: [DeadLetterPublisher, GEOCODER_CONFIG, DataSource],
      useFactory: (deadLetters: DeadLetterPublisher, c: GeocoderConfig, db: DataSource) =>
        new ConsumerSkeleton(
          deadLetters,
          { attempts: c.GEOCODER_RETRY_ATTEMPTS, backoffMs: c.GEOCODER_RETRY_BACKOFF_MS, heartbeatEveryMs: c.KAFKA_HEARTBEAT_INTERVAL_MS },
          // The outage probe: boundaries and jobs live in this database.
          () => db.query('SELECT 1'),
        ),
    },
    {
      provide: JobStatusCache,
      inject: [DataSource, GEOCODER_CONFIG],
      useFactory: (db: DataSource, c: GeocoderConfig) => new JobStatusCache(db, c.GEOCODER_JOB_STATUS_TTL_MS),
    },
    // Nest's Kafka server joins `<group>-server`: name that group on the letters.
    { provide: DEAD_LETTER_GROUP, inject: [GEOCODER_CONFIG], useFactory: (c: GeocoderConfig) => `${c.GEOCODER_GROUP_ID}-server` },
  ],
})
export class GeocodingModule {}

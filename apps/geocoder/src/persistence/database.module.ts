import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BoundaryLookup, DatasetRepository, GEO_ENTITIES } from '@geobatch/geo-query';
import { GeocoderConfig } from '../config/geocoder-config.module';

/**
 * The connection pool for the boundary tables. The schema belongs to the migrations
 * (`npm run migrate`), never to the geocoder: no synchronize, no migrationsRun.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [GeocoderConfig],
      useFactory: (config: GeocoderConfig) => ({
        type: 'postgres' as const,
        url: config.DATABASE_URL,
        entities: GEO_ENTITIES,
        synchronize: false,
        migrationsRun: false,
        installExtensions: false,
        poolSize: config.DATABASE_POOL_SIZE,
        logging: false,
        // Fail start-up after ~10 s instead of Nest's default 9 × 3 s, so a wrong DATABASE_URL shows quickly.
        retryAttempts: 3,
        retryDelay: 2_000,
      }),
    }),
  ],
  providers: [
    { provide: BoundaryLookup, inject: [DataSource], useFactory: (ds: DataSource) => new BoundaryLookup(ds) },
    { provide: DatasetRepository, inject: [DataSource], useFactory: (ds: DataSource) => new DatasetRepository(ds) },
  ],
  exports: [BoundaryLookup, DatasetRepository],
})
export class DatabaseModule {}

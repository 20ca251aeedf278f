import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatasetRepository, GEO_ENTITIES } from '@geobatch/geo-query';
import { ApiKeyRepository, JOB_STORE_ENTITIES, JobRepository } from '@geobatch/job-store';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { DATASET_LOOKUP } from '../datasets/dataset-resolver.service';

/**
 * One connection pool for the job and geo tables. The schema belongs to the migrations
 * (run by `npm run migrate`), never to the gateway: no synchronize, no migrationsRun.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => ({
        type: 'postgres' as const,
        url: config.DATABASE_URL,
        entities: [...JOB_STORE_ENTITIES, ...GEO_ENTITIES],
        synchronize: false,
        migrationsRun: false,
        poolSize: config.DATABASE_POOL_SIZE,
        logging: false,
        // Fail start-up after ~10 s instead of Nest's default 9 × 3 s, so a wrong DATABASE_URL shows quickly.
        retryAttempts: 3,
        retryDelay: 2_000,
      }),
    }),
  ],
  providers: [
    { provide: JobRepository, inject: [DataSource], useFactory: (ds: DataSource) => new JobRepository(ds) },
    { provide: ApiKeyRepository, inject: [DataSource], useFactory: (ds: DataSource) => new ApiKeyRepository(ds) },
    { provide: DatasetRepository, inject: [DataSource], useFactory: (ds: DataSource) => new DatasetRepository(ds) },
    { provide: DATASET_LOOKUP, useExisting: DatasetRepository },
  ],
  exports: [JobRepository, ApiKeyRepository, DatasetRepository, DATASET_LOOKUP],
})
export class DatabaseModule {}

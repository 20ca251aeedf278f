import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JOB_STORE_ENTITIES, JobRepository } from '@geobatch/job-store';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';

/**
 * The connection pool for the job tables. The schema belongs to the migrations (run by
 * `npm run migrate`), never to the merger: no synchronize, no migrationsRun.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [REPORT_MERGER_CONFIG],
      useFactory: (config: ReportMergerConfig) => ({
        type: 'postgres' as const,
        url: config.DATABASE_URL,
        entities: JOB_STORE_ENTITIES,
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
  providers: [{ provide: JobRepository, inject: [DataSource], useFactory: (ds: DataSource) => new JobRepository(ds) }],
  exports: [JobRepository],
})
export class DatabaseModule {}

import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { postgresConnection, type DatabaseSettings } from '@geobatch/util-database';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { JobWebhookRepository } from './job-webhook.repository';
import { JobRepository } from './job.repository';
import { JOB_STORE_ENTITIES } from './job-store-schema';

const REPOSITORIES = [JobRepository, ApiKeyRepository, JobWebhookRepository];

/**
 * The job tables for a Nest app: imported once, in the root module, with the app's validated
 * database settings; its repositories are then injectable everywhere (global). Shares the app's
 * one pool with `GeoQueryModule` (see `postgresConnection`).
 */
@Module({})
export class JobStoreModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    const providers: Provider[] = REPOSITORIES.map((repository) => ({
      provide: repository,
      inject: [DataSource],
      useFactory: (ds: DataSource) => new repository(ds),
    }));
    return {
      module: JobStoreModule,
      global: true,
      imports: [postgresConnection(settings, JOB_STORE_ENTITIES)],
      providers,
      exports: REPOSITORIES,
    };
  }
}

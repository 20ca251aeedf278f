import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { postgresConnection, type DatabaseSettings } from '@geobatch/util-database';
import { DatasetRepository } from './dataset.repository';
import { GEO_ENTITIES } from './geo-schema';
import { BoundaryLookup } from './lookup/boundary-lookup.service';

const SERVICES = [DatasetRepository, BoundaryLookup];

/**
 * The boundary tables for a Nest app: imported once, in the root module, with the app's validated
 * database settings; the dataset repository and the boundary lookup are then injectable
 * everywhere (global). Shares the app's one pool with `JobStoreModule` (see `postgresConnection`).
 */
@Module({})
export class GeoQueryModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    const providers: Provider[] = SERVICES.map((service) => ({
      provide: service,
      inject: [DataSource],
      useFactory: (ds: DataSource) => new service(ds),
    }));
    return {
      module: GeoQueryModule,
      global: true,
      imports: [postgresConnection(settings, GEO_ENTITIES)],
      providers,
      exports: SERVICES,
    };
  }
}

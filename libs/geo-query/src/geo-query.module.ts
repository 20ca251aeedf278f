import { Module } from '@nestjs/common';
import { DatasetRepository } from './dataset.repository';
import { BoundaryImporter } from './import/boundary-importer.service';
import { BoundaryLookup } from './lookup/boundary-lookup.service';
import { BuiltInDatasetSeeder } from './built-in/built-in-dataset-seeder.service';

const PROVIDERS = [DatasetRepository, BoundaryLookup, BoundaryImporter, BuiltInDatasetSeeder];

/** Geo data access for Nest apps; needs `TypeOrmModule.forRoot*` with GEO_ENTITIES (its DataSource is injected). */
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class GeoQueryModule {}

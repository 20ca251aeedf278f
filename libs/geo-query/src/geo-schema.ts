import { BoundaryArea } from './entities/boundary-area.entity';
import { BoundaryPart } from './entities/boundary-part.entity';
import { Dataset } from './entities/dataset.entity';
import { CreateGeoSchema1767000000000 } from './migrations/1767000000000-create-geo-schema';
import { DatasetGenerations1767000002000 } from './migrations/1767000002000-dataset-generations';
import { DatasetOwners1767000003500 } from './migrations/1767000003500-dataset-owners';
import { DatasetSimplifiedNotes1767000008000 } from './migrations/1767000008000-dataset-simplified-notes';

/** Entities of the geo tables, for a DataSource or `TypeOrmModule.forRoot({ entities })`. */
export const GEO_ENTITIES = [Dataset, BoundaryArea, BoundaryPart];

/** Migrations of the geo tables, oldest first. */
export const GEO_MIGRATIONS = [
  CreateGeoSchema1767000000000,
  DatasetGenerations1767000002000,
  DatasetOwners1767000003500,
  DatasetSimplifiedNotes1767000008000,
];

import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AdminLevel } from '@geobatch/contracts';

/** One administrative area of a dataset, as imported (after ST_MakeValid). */
@Entity({ name: 'boundary_area' })
export class BoundaryArea {
  @PrimaryColumn({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @PrimaryColumn({ type: 'text' })
  level!: AdminLevel;

  @PrimaryColumn({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Code of the enclosing area one or more levels up (longest code prefix), null at the top. */
  @Column({ name: 'parent_code', type: 'text', nullable: true })
  parentCode!: string | null;

  // Never loaded by default: a 시도 polygon can be megabytes.
  @Column({ type: 'geometry', spatialFeatureType: 'MultiPolygon', srid: 4326, select: false })
  geom!: object;
}

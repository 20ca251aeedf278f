import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AdminLevel } from '@geobatch/contracts';

/**
 * A small piece (≤ 64 vertices, from ST_Subdivide) of a boundary_area polygon: point-in-polygon
 * tests against small pieces with tight bounding boxes are what make set-based lookups fast.
 */
@Entity({ name: 'boundary_part' })
export class BoundaryPart {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @Column({ type: 'text' })
  level!: AdminLevel;

  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'geometry', spatialFeatureType: 'Polygon', srid: 4326, select: false })
  geom!: object;
}

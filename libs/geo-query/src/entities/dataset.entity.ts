import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { AdminLevel } from '@geobatch/contracts';

/** One imported set of boundaries (e.g. KOSTAT 2018). Jobs pin datasets by id, so an id never changes on re-import. */
@Entity({ name: 'dataset' })
@Unique('dataset_name_version_key', ['name', 'version'])
export class Dataset {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  version!: string;

  /** `YYYY-MM-DD`: the date the boundaries are valid for, when known. */
  @Column({ name: 'effective_date', type: 'date', nullable: true })
  effectiveDate!: string | null;

  /** Levels present, most general first. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  levels!: AdminLevel[];

  @Column({ name: 'feature_counts', type: 'jsonb', default: () => "'{}'" })
  featureCounts!: Partial<Record<AdminLevel, number>>;

  @Column({ type: 'text', default: '' })
  attribution!: string;

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

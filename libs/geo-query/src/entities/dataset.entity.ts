import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AdminLevel } from '@geobatch/contracts';

/**
 * One imported set of boundaries (e.g. KOSTAT 2018), one generation of it: a dataset's polygons never
 * change. Re-importing the same name and version creates a new dataset (a new id) and marks this one
 * superseded; jobs pinned to this id keep reading it until a cleanup deletes it.
 */
@Entity({ name: 'dataset' })
@Index('dataset_name_version_current_key', ['name', 'version'], { unique: true, where: 'superseded_at IS NULL' })
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

  /** Generalised outlines (the built-in datasets): a first answer, not boundary-exact. */
  @Column({ type: 'boolean', default: false })
  simplified!: boolean;

  /** What users should know about the data (known holes, code oddities), shown with it and in 요약. */
  @Column({ type: 'text', default: '' })
  notes!: string;

  /** At most one dataset, and never a superseded one, is the default. */
  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** When a re-import of the same name and version replaced this generation; null while it is current. */
  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;

  /** The generation that replaced this one (null while current, or once that one is deleted). */
  @Column({ name: 'superseded_by', type: 'uuid', nullable: true })
  supersededBy!: string | null;

  /** The API key the dataset belongs to; null for a shared dataset (the default one, CLI imports), which every key may use. */
  @Column({ name: 'owner_key_id', type: 'uuid', nullable: true })
  ownerKeyId!: string | null;
}

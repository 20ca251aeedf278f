import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JobStatus, SheetTotalsV1 } from '@geobatch/contracts';

/** Options a job was created with; frozen for the job's life so replays compute the same thing. */
export interface JobOptions {
  /** Column specs as the user gave them (header name or 1-based number). */
  x: string;
  y: string;
  crs: string;
  /** Pinned dataset ids, in output order, and their `name@version` labels. */
  datasetIds: string[];
  datasetLabels: string[];
}

@Entity({ name: 'job' })
export class JobEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  status!: JobStatus;

  @Column('text', { name: 'file_name' })
  fileName!: string;

  /** Path of the stored upload, relative to STORAGE_DIR. */
  @Column('text', { name: 'upload_path' })
  uploadPath!: string;

  @Column('text', { name: 'upload_sha256' })
  uploadSha256!: string;

  @Column('jsonb')
  options!: JobOptions;

  /** Per-sheet totals, known once the gateway has published every chunk. */
  @Column('jsonb', { nullable: true })
  sheets!: SheetTotalsV1[] | null;

  @Column('int', { name: 'total_chunks', nullable: true })
  totalChunks!: number | null;

  @Column('text', { nullable: true })
  error!: string | null;

  /** Path of the result workbook, relative to STORAGE_DIR. */
  @Column('text', { name: 'result_path', nullable: true })
  resultPath!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'sealed_at', nullable: true })
  sealedAt!: Date | null;

  @Column('timestamptz', { name: 'merge_started_at', nullable: true })
  mergeStartedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}

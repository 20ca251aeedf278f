import { Column, CreateDateColumn, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { ChunkResultEventV2, RowResultV1 } from '@geobatch/contracts';

/** A value kept as JSON text: PostgreSQL stores it as it is instead of parsing it into jsonb. */
const JSON_TEXT: ValueTransformer = {
  to: (value: unknown) => (value === null || value === undefined ? value : JSON.stringify(value)),
  from: (text: string | null) => (text === null ? null : JSON.parse(text)),
};

/** One geocoded chunk. The key (job, sheet, chunk) makes a replayed chunk a no-op. */
@Entity({ name: 'job_chunk_result' })
export class ChunkResultEntity {
  @PrimaryColumn('uuid', { name: 'job_id' })
  jobId!: string;

  @PrimaryColumn('int')
  sheet!: number;

  @PrimaryColumn('int')
  chunk!: number;

  @Column('int', { name: 'row_count' })
  rowCount!: number;

  @Column('int', { name: 'ok_count' })
  okCount!: number;

  @Column('int', { name: 'problem_count' })
  problemCount!: number;

  /** Chunks stored before results were packed: one object per row. */
  @Column('jsonb', { nullable: true })
  rows!: RowResultV1[] | null;

  /** The result's columns as they travelled (ChunkResultEventV2 without its key fields), as JSON text. */
  @Column('text', { nullable: true, transformer: JSON_TEXT })
  packed!: Pick<ChunkResultEventV2, 'n' | 'datasets'> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ChunkResultEventV2, RowResultV1 } from '@geobatch/contracts';

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

  /** The result's columns as they travelled (ChunkResultEventV2 without its key fields). */
  @Column('jsonb', { nullable: true })
  packed!: Pick<ChunkResultEventV2, 'n' | 'datasets'> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

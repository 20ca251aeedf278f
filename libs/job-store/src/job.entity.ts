import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { DatasetFacts, InputEncoding, JobStatus, OutputFormat, OutputLang, SheetTotalsV1 } from '@geobatch/contracts';
import type { UploadPlan } from '@geobatch/util-spreadsheet';

/** One version of a dated series, as a job pinned it (see `JobOptions.datasetVersions`). */
export interface JobDatasetVersion {
  id: string;
  version: string;
  /** `YYYY-MM-DD`. */
  effectiveDate: string;
}

/** Options a job was created with; frozen for the job's life so replays compute the same thing. */
export interface JobOptions {
  /** Column specs as the user gave them (header name, 1-based number or letter); `auto` when detected. */
  x: string;
  y: string;
  crs: string;
  /**
   * Pinned dataset ids, in output order, and their `name@version` labels: one entry per output group
   * (for a dated job, the newest version of each series).
   */
  datasetIds: string[];
  datasetLabels: string[];
  /** Per entry of `datasetIds`: its vintage, levels, whether simplified, source and notes, for `요약`. */
  datasetFacts: DatasetFacts[];
  /** Jobs with a date column: the column as given (header name, 1-based number or letter). */
  dateColumn?: string;
  /** Jobs with a date column: per output group (as `datasetIds`), every version of its series, oldest first. */
  datasetVersions?: JobDatasetVersion[][];
  /** Every id in `datasetVersions`, flat: what the dataset cleanup checks pins against (`options -> 'datasetVersionIds'`). */
  datasetVersionIds?: string[];
  /** CSV only: the encoding asked for (`auto`: detected; the one used is `upload.encoding`). */
  encodingRequested?: InputEncoding;
  /** XLSX: the sheet asked for (name or 1-based number); null for every sheet that has the columns. */
  sheet: string | null;
  lang: OutputLang;
  format: OutputFormat;
  /** Nearest-polygon tolerance in metres (0 = off). */
  nearestM: number;
  /**
   * How the upload is read, decided once at acceptance: its kind, encoding and delimiter, and the
   * sheets to read with their columns. The publisher and the merger open it with `openPlannedUpload`.
   */
  upload: UploadPlan;
  /** Gets a signed POST when the job ends (see the report-merger's webhook dispatcher). */
  callbackUrl?: string;
}

/**
 * How far the gateway got publishing a job's rows: per sheet, the number of chunks (from 0) whose
 * publish the broker acknowledged, and the chunk size they were cut with (a restart must cut the
 * same chunks even if CHUNK_SIZE changed meanwhile). Recorded in batches, so it may lag a little.
 */
export interface PublishWatermark {
  chunkSize: number;
  sheets: Record<string, number>;
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

  /** The API key that created the job; only that key sees it. Null for jobs from before keys. */
  @Column('uuid', { name: 'owner_key_id', nullable: true })
  ownerKeyId!: string | null;

  /** Per-sheet totals, known once the gateway has published every chunk. */
  @Column('jsonb', { nullable: true })
  sheets!: SheetTotalsV1[] | null;

  /** Null until the first chunk is published. */
  @Column('jsonb', { name: 'published_chunks', nullable: true })
  publishedChunks!: PublishWatermark | null;

  /** Rows (data and blank) expected before the upload is read through; an estimate, `sheets` is exact. */
  @Column('int', { name: 'estimated_rows', nullable: true })
  estimatedRows!: number | null;

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

  /** Webhook outbox (jobs with `options.callbackUrl`): set once the receiver answered 2xx. */
  @Column('timestamptz', { name: 'webhook_delivered_at', nullable: true })
  webhookDeliveredAt!: Date | null;

  @Column('int', { name: 'webhook_attempts', default: 0 })
  webhookAttempts!: number;

  /** When the next attempt is due; while an attempt runs, the claiming dispatcher's lease. */
  @Column('timestamptz', { name: 'webhook_next_at', nullable: true })
  webhookNextAt!: Date | null;

  @Column('text', { name: 'webhook_last_error', nullable: true })
  webhookLastError!: string | null;
}

import { IsInt, IsUUID, Min } from 'class-validator';

/**
 * Which chunk a chunk event is about, the same in the rows chunk and in its result: key
 * `chunkKey(jobId, sheet, chunk)`.
 */
export abstract class ChunkAddressV1 {
  @IsUUID()
  jobId!: string;

  /** 0-based index of the input sheet (always 0 for CSV). */
  @IsInt()
  @Min(0)
  sheet!: number;

  /** 0-based chunk number within the sheet; chunks of a sheet are contiguous ranges of rows. */
  @IsInt()
  @Min(0)
  chunk!: number;
}

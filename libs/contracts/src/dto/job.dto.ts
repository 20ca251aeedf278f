import { JobStatus } from '../job-status';

/** Answer of `POST /jobs`. */
export class JobCreatedDto {
  /** Random UUID of the job. */
  id!: string;
  status!: JobStatus;
  /** True when the same file with the same options was already submitted by this key: the answer is that job (HTTP 200), no new job was created. */
  deduplicated!: boolean;
}

export class JobRowsDto {
  /**
   * Rows in the input, blank lines included (= ok + problems + blank once processed). Until the
   * upload has been read through it is an estimate (an XLSX sheet's dimension or its rows counted
   * without reading cells: blank rows between data rows are in it, so it may be a little high),
   * exact from then on (`progress.totalEstimated` of `GET /jobs/:id` says which); null until at
   * least an estimate is known (a CSV is not estimated: it is read through in moments).
   */
  total!: number | null;
  /** Rows geocoded so far (blank lines are not geocoded: a bar's share is `(processed + blank) / total`). */
  processed!: number;
  /** Rows with status OK. */
  ok!: number;
  /** Rows with any other status. */
  problems!: number;
  /** Blank lines skipped in the input (known once the upload has been read through; 0 before). */
  blank!: number;
}

/** How far a job is and how fast it goes, from the rows geocoded so far. */
export class JobProgressDto {
  /**
   * Share of the rows done, blank lines included (`(rows.processed + rows.blank) / rows.total`), 0
   * to 1: 1 once the job has completed. From an estimated total (see `totalEstimated`) while the
   * upload is being read; null while no total is known.
   */
  fraction!: number | null;
  /** Rows geocoded per second since the job was accepted; null before the first chunk. */
  rowsPerSecond!: number | null;
  /**
   * Seconds until every row is geocoded at the current rate, from the estimated total until the
   * exact one is known; 0 once the job has ended, null while it cannot be told.
   */
  etaSeconds!: number | null;
  /** True while `rows.total` (and so `fraction` and `etaSeconds`) is an estimate: the upload has not been read through yet. */
  totalEstimated!: boolean;
}

/** A column of an input sheet. */
export class ColumnRefDto {
  /** Header text (may be empty). */
  name!: string;
  /** 1-based column number. */
  number!: number;
  /** Column letter, e.g. `E`. */
  letter!: string;
  /** How it was chosen: `given` by the caller, or detected from the `header` or the `values`. */
  by!: string;
}

/** The x/y columns a job reads in one input sheet. */
export class JobSheetColumnsDto {
  /** 1-based position of the sheet in the upload. */
  sheet!: number;
  name!: string;
  x!: ColumnRefDto;
  y!: ColumnRefDto;
  /** The date column, for a job with `dateColumn`. */
  date?: ColumnRefDto;
}

/** Options the job was created with, and the columns it worked out from them. */
export class JobOptionsDto {
  /** Longitude column as given, or null when detected. */
  x!: string | null;
  /** Latitude column as given, or null when detected. */
  y!: string | null;
  /** `csv` or `xlsx`, from the file's content. */
  kind!: string | null;
  /** CSV text encoding used (detected or given). */
  encoding!: string | null;
  /** Sheet as given, or null for every sheet with the columns. */
  sheet!: string | null;
  lang!: string;
  format!: string;
  crs!: string;
  /** Nearest-polygon tolerance in metres (0 = off). */
  nearestM!: number;
  /** Date column as given; absent when the job has none (every row then uses the dataset named). */
  dateColumn?: string;
  /** A job with `dateColumn`: every version it may answer from, as `name@version (effective date)`, oldest first per dataset. */
  datasetVersions?: string[];
  columns!: JobSheetColumnsDto[];
}

/** Answer of `GET /jobs/:id`. */
export class JobStatusDto {
  id!: string;
  status!: JobStatus;
  rows!: JobRowsDto;
  progress!: JobProgressDto;
  /** Original upload name. */
  fileName!: string;
  /** Dataset the job looks up, as `name@version`. */
  datasets!: string[];
  /** The options the job was created with (always sent by this gateway version). */
  options?: JobOptionsDto;
  /** Why the job failed, when it did. */
  error!: string | null;
  createdAt!: string;
  finishedAt!: string | null;
  /** Path of the result download once the job has completed. */
  resultUrl!: string | null;
}

/** One sheet of an uploaded file. */
export class PreviewSheetDto {
  /** 1-based position in the workbook (what the `sheet` field accepts besides the name). */
  index!: number;
  name!: string;
  hidden!: boolean;
  /** Header columns; 0 for an empty sheet. */
  columns!: number;
}

/** Answer of `POST /jobs/preview`: what Geobatch reads in a file, before a job is created. */
export class JobPreviewDto {
  /** `csv` or `xlsx`, from the file's content. */
  kind!: string;
  /** CSV: the encoding detected (or given). */
  encoding!: string | null;
  /** CSV: the delimiter detected. */
  delimiter!: string | null;
  sheets!: PreviewSheetDto[];
  /** The sheet shown below. */
  sheet!: PreviewSheetDto;
  /** 1-based row number of the header row shown (found, or as given in `headerRow`); 0 for an empty sheet. */
  headerRow!: number;
  /** Rows above the header (a title block, notes, blank rows) as text, at most 50: what `headerRow` may be moved to. */
  above!: string[][];
  header!: string[];
  /** The first 20 data rows (blank ones skipped); XLSX dates as ISO text. */
  rows!: (string | number | boolean | null)[][];
  /** Suggested longitude column, or null when none was found. */
  x!: ColumnRefDto | null;
  /** Suggested latitude column, or null when none was found. */
  y!: ColumnRefDto | null;
  /**
   * The coordinate system the x/y values suggest, from their ranges over Korea (124–132°E, 33–39°N
   * projected into each system): `EPSG:4326`, `EPSG:5179`, `EPSG:3857`, `EPSG:32652`, or for the
   * overlapping Central Belt systems `EPSG:5186` first, else `EPSG:5181` / `EPSG:5174`; `unknown` when
   * under 80% of the points fit any. A suggestion: a job without `crs` uses it when only one system
   * fits, and is refused with a 400 naming them when several do.
   */
  crs!: string;
  /** Why no x/y could be suggested, when so. */
  problem!: string | null;
}

/** Shape of every error answer. */
export class ErrorResponseDto {
  statusCode!: number;
  error!: string;
  message!: string;
  requestId?: string;
}

import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_NEAREST_M } from '../events/rows-chunk.event';
import { INPUT_ENCODINGS, OUTPUT_FORMATS, OUTPUT_LANGS, type InputEncoding, type OutputFormat, type OutputLang } from '../output-columns';

/** Column reference: a header name, a 1-based column number or a column letter. */
const COLUMN_SPEC = /^.{1,200}$/s;
/** A coordinate reference system as an EPSG code. */
export const CRS_PATTERN = /^EPSG:\d{4,5}$/;

/** How the upload is read: the fields `POST /jobs` and `POST /jobs/preview` share. */
export class UploadReadingDto {
  /** Text encoding of a CSV upload; detected when omitted or `auto` (UTF-8 with or without BOM, else CP949). `euc-kr` is read as CP949. */
  @IsOptional()
  @IsIn(INPUT_ENCODINGS)
  encoding?: InputEncoding;

  /**
   * XLSX: the sheet, by name or 1-based number. When omitted, a job reads every sheet that has the
   * x/y columns and a preview shows the first of them.
   */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  sheet?: string;

  /**
   * 1-based row number of the header row, e.g. `4` below a title block. Found when omitted: the
   * first row (within the first 50) that holds the named x/y columns, else the row above the first
   * rows whose coordinates read. Rows above it are copied to the result unchanged and never geocoded.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_048_576)
  headerRow?: number;
}

/** Text fields of the `POST /jobs` multipart form (the file travels in the `file` field). */
export class CreateJobDto extends UploadReadingDto {
  /**
   * Longitude column: header name, 1-based column number or column letter, e.g. `경도`, `5` or `E`.
   * Detected when omitted: a header such as x/lon/lng/longitude/경도/X좌표, else the column whose values lie within 124–132.
   */
  @IsOptional()
  @IsString()
  @Matches(COLUMN_SPEC)
  x?: string;

  /**
   * Latitude column: header name, 1-based column number or column letter, e.g. `위도`, `6` or `F`.
   * Detected when omitted: a header such as y/lat/latitude/위도/Y좌표, else the column whose values lie within 33–39.5.
   */
  @IsOptional()
  @IsString()
  @Matches(COLUMN_SPEC)
  y?: string;

  /**
   * Date column (header name, 1-based column number or letter), e.g. `일자`, `4` or `D`: each row is
   * matched against the version of each dataset's series in force on its date (the version with the
   * latest effective date on or before it), and the result gets a `경계 버전` column per dataset.
   * Dates: XLSX date cells, `YYYYMMDD`, `YYYY-MM-DD` (or `.`, `/`), with or without a time, and
   * `22-APR-24 10:43:00` (DD-MON-YY; 00–69 → 20xx, 70–99 → 19xx). Rows without a readable date use
   * the newest version, rows before the earliest version the earliest; `비고` says so. Every version
   * of a named series needs an effective date.
   */
  @IsOptional()
  @IsString()
  @Matches(COLUMN_SPEC)
  dateColumn?: string;

  /**
   * Boundary dataset name; the default dataset when omitted. Several datasets, comma-separated or as
   * a repeated field (e.g. `kostat,admdong`, at most 5), each add their own group of columns, in this order.
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(String).join(',') : value))
  @IsString()
  @MaxLength(500)
  dataset?: string;

  /** Language of the appended column headers and of the extra sheets: `ko` (default) or `en`. */
  @IsOptional()
  @IsIn(OUTPUT_LANGS)
  lang?: OutputLang;

  /** Result file: `xlsx` (default; with `문제 행` and `요약` sheets) or `csv` (UTF-8 with BOM, one input sheet). */
  @IsOptional()
  @IsIn(OUTPUT_FORMATS)
  format?: OutputFormat;

  /**
   * Coordinate system of x/y as an EPSG code. When omitted, suggested from the values' ranges: the one
   * system they fit (e.g. `EPSG:5179` for UTM-K metres), `EPSG:4326` when they fit none, and a 400
   * naming the candidates when several Central Belt systems (5186/5181/5174) fit. Rows in a system the
   * geocoder does not read are marked INVALID.
   * @example EPSG:4326
   */
  @IsOptional()
  @IsString()
  @Matches(CRS_PATTERN)
  crs?: string;

  /**
   * A point in no polygon takes the nearest area within this many metres (status `NEAREST`, with
   * the distance in `거리(m)`); 0 turns it off. Default 200.
   * @example 200
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_NEAREST_M)
  nearestM?: number;

  /**
   * Webhook: gets a signed `POST` (JSON, `X-Geobatch-Signature`) when the job completes, fails, is
   * cancelled or expires; retried with backoff until it answers 2xx. http or https.
   */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  // A literal, not a constant: the Swagger metadata generator reads only literal limits.
  @MaxLength(2000)
  callbackUrl?: string;

  /**
   * `true` always starts a new job. Without it, the same file (same SHA-256 and name) with the same
   * options, sent again with the same API key, answers the existing job (HTTP 200, `deduplicated: true`)
   * unless that job failed, was cancelled or expired.
   * @example false
   */
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value))
  @IsBoolean()
  force?: boolean;
}

/** Text fields of the `POST /jobs/preview` multipart form. */
export class PreviewJobDto extends UploadReadingDto {}

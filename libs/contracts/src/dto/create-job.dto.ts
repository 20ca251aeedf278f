import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_NEAREST_M } from '../events/rows-chunk.event';
import { INPUT_ENCODINGS, OUTPUT_FORMATS, OUTPUT_LANGS, type InputEncoding, type OutputFormat, type OutputLang } from '../output-columns';

/** Column reference: a header name, a 1-based column number or a column letter. */
const COLUMN_SPEC = /^.{1,200}$/s;
/** A coordinate reference system as an EPSG code. */
export const CRS_PATTERN = /^EPSG:\d{4,5}$/;

/** Text fields of the `POST /jobs` multipart form (the file travels in the `file` field). */
export class CreateJobDto {
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

  /** Boundary dataset name; the default dataset when omitted. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  dataset?: string;

  /** Text encoding of a CSV upload; detected when omitted or `auto` (UTF-8 with or without BOM, else CP949). `euc-kr` is read as CP949. */
  @IsOptional()
  @IsIn(INPUT_ENCODINGS)
  encoding?: InputEncoding;

  /** XLSX: the sheet to read, by name or 1-based number. When omitted, every sheet that has the x/y columns. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  sheet?: string;

  /** Language of the appended column headers and of the extra sheets: `ko` (default) or `en`. */
  @IsOptional()
  @IsIn(OUTPUT_LANGS)
  lang?: OutputLang;

  /** Result file: `xlsx` (default; with `문제 행` and `요약` sheets) or `csv` (UTF-8 with BOM, one input sheet). */
  @IsOptional()
  @IsIn(OUTPUT_FORMATS)
  format?: OutputFormat;

  /** Coordinate system of x/y as an EPSG code; `EPSG:4326` (WGS84 degrees) when omitted. Rows in a system the geocoder does not read are marked INVALID. */
  @IsOptional()
  @IsString()
  @Matches(CRS_PATTERN)
  crs?: string;

  /**
   * A point in no polygon takes the nearest area within this many metres (status `NEAREST`, with
   * the distance in `거리(m)`); 0 turns it off. Default 200.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_NEAREST_M)
  nearestM?: number;
}

/** Text fields of the `POST /jobs/preview` multipart form. */
export class PreviewJobDto {
  /** Text encoding of a CSV upload; detected when omitted or `auto`. */
  @IsOptional()
  @IsIn(INPUT_ENCODINGS)
  encoding?: InputEncoding;

  /** XLSX: the sheet to preview, by name or 1-based number; the first sheet with coordinate columns when omitted. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  sheet?: string;
}

import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Column reference: a header name, a 1-based column number. */
const COLUMN_SPEC = /^.{1,200}$/s;

/** Text fields of the `POST /jobs` multipart form (the file travels in the `file` field). */
export class CreateJobDto {
  /** Longitude column: header name or 1-based column number, e.g. `경도` or `5`. */
  @IsString()
  @Matches(COLUMN_SPEC)
  x!: string;

  /** Latitude column: header name or 1-based column number, e.g. `위도` or `6`. */
  @IsString()
  @Matches(COLUMN_SPEC)
  y!: string;

  /** Boundary dataset name; the default dataset when omitted. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  dataset?: string;
}

import { JobStatus } from '../row-status';

/** Answer of `POST /jobs`. */
export class JobCreatedDto {
  /** Random UUID of the job. */
  id!: string;
  status!: JobStatus;
}

export class JobRowsDto {
  /** Data rows in the input, blank lines included; null until the upload has been read through. */
  total!: number | null;
  /** Rows geocoded so far. */
  processed!: number;
  /** Rows with status OK. */
  ok!: number;
  /** Rows with any other status. */
  problems!: number;
  /** Blank lines skipped in the input. */
  blank!: number;
}

/** Answer of `GET /jobs/:id`. */
export class JobStatusDto {
  id!: string;
  status!: JobStatus;
  rows!: JobRowsDto;
  /** Original upload name. */
  fileName!: string;
  /** Dataset the job looks up, as `name@version`. */
  datasets!: string[];
  /** Why the job failed, when it did. */
  error!: string | null;
  createdAt!: string;
  finishedAt!: string | null;
  /** Path of the result download once the job has completed. */
  resultUrl!: string | null;
}

/** Shape of every error answer. */
export class ErrorResponseDto {
  statusCode!: number;
  error!: string;
  message!: string;
  requestId?: string;
}

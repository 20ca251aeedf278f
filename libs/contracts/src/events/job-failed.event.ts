import { IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { Topics } from '../topics';

/**
 * Sent by a service that cannot go on with a job and cannot record that itself (the geocoder has
 * no access to the job store), e.g. a rows chunk that could not be read, so its rows are unknown.
 * The report-merger marks the job failed with `reason`. Key: the job id.
 */
export class JobFailedEventV1 {
  static readonly topic = Topics.jobs.name;
  static readonly type = 'job.failed';

  /** Discriminates the events that share the jobs topic. */
  @IsString()
  type!: typeof JobFailedEventV1.type;

  @IsUUID()
  jobId!: string;

  /** Shown to the user as the job's error: Korean first, English in parentheses. */
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  reason!: string;
}

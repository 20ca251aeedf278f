import { IsString, IsUUID } from 'class-validator';
import { Topics } from '../topics';

/**
 * Sent by the gateway when a job was cancelled (`DELETE /jobs/{id}`), after its status is
 * `cancelled` in the database: consumers may drop the job's work still queued. Key: the job id.
 */
export class JobCancelledEventV1 {
  static readonly topic = Topics.jobs.name;
  static readonly type = 'job.cancelled';

  /** Discriminates the events that share the jobs topic. */
  @IsString()
  type!: typeof JobCancelledEventV1.type;

  @IsUUID()
  jobId!: string;
}

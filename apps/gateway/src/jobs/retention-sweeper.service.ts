import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JobRepository } from '@geobatch/job-store';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { ChunkPublisherService } from './chunk-publisher.service';
import { JobsService } from './jobs.service';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Jobs expired per query; a sweep loops until none is left. */
const SWEEP_BATCH = 100;

/**
 * Keeps storage bounded: a job that ended more than RETENTION_DAYS ago (or was created that long
 * ago and never ended) is marked `expired`, then its upload, result workbook and stored row results
 * are deleted. Runs at start-up and every RETENTION_SWEEP_INTERVAL_MS. Marking comes first and is
 * conditional, so gateways sharing the database never both sweep one job and nothing can complete
 * it meanwhile.
 */
@Injectable()
export class RetentionSweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionSweeperService.name);
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<number> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly jobs: JobRepository,
    private readonly service: JobsService,
    private readonly publisher: ChunkPublisherService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.RETENTION_SWEEP_INTERVAL_MS);
    this.timer.unref();
    void this.sweep();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
  }

  /** One sweep (joins the one in progress, if any). Answers how many jobs it expired; never rejects. */
  sweep(now = new Date()): Promise<number> {
    this.current ??= this.run(now).finally(() => (this.current = undefined));
    return this.current;
  }

  private async run(now: Date): Promise<number> {
    const olderThan = new Date(now.getTime() - this.config.RETENTION_DAYS * DAY_MS);
    let expired = 0;
    try {
      for (;;) {
        const batch = await this.jobs.findExpirable(olderThan, SWEEP_BATCH);
        for (const job of batch) {
          const files = await this.jobs.expire(job.id);
          if (!files) continue;
          await this.publisher.stop(job.id);
          await this.service.deleteFiles(job.id, [files.uploadPath, files.resultPath]);
          await this.jobs.deleteChunkResults(job.id);
          expired++;
          this.logger.log({ msg: 'job expired', jobId: job.id, was: job.status, endedAt: (job.finishedAt ?? job.createdAt).toISOString() });
        }
        if (batch.length < SWEEP_BATCH) break;
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.logger.error({ msg: 'retention sweep failed; the next one retries', expired, error: err.message }, err.stack);
    }
    if (expired > 0) this.logger.log({ msg: 'retention sweep done', expired, olderThan: olderThan.toISOString() });
    return expired;
  }
}

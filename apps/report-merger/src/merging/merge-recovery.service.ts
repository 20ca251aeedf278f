import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobRepository } from '@geobatch/job-store';
import { PARTIAL_SUFFIX, WorkbookMergerService } from './workbook-merger.service';

/**
 * After a restart, rebuilds what a dead merger left behind, from the durable chunks: a merger
 * that died mid-write left `merge_started_at` set, and a job may have become ready while no
 * merger was running (its last message was handled but the merge never ran).
 *
 * While running, no polling is needed: a trigger that arrives while the job's finalize is in flight
 * makes WorkbookMergerService look again once that attempt ends.
 *
 * Assumes a single merger instance: a merge claimed by another live instance would be
 * released and written twice (harmless, the rename is atomic, but wasted work). Running several
 * mergers needs a lease (claim with an expiry) instead.
 */
@Injectable()
export class MergeRecoveryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MergeRecoveryService.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly merger: WorkbookMergerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.removePartialFiles();
    for (const job of await this.jobs.findSealedRunning()) {
      if (job.mergeStartedAt) {
        this.logger.warn({ msg: 'releasing a merge interrupted by a restart', jobId: job.id, mergeStartedAt: job.mergeStartedAt });
        await this.jobs.releaseMerge(job.id);
      }
    }
    const outcomes = await this.sweep();
    this.logger.log({ msg: 'start-up recovery done', outcomes });
  }

  /** Finishes sealed jobs that are ready but unclaimed (claimMerge checks readiness; a job being merged is left alone). */
  async sweep(): Promise<Record<string, number>> {
    const outcomes: Record<string, number> = {};
    for (const job of await this.jobs.findSealedRunning()) {
      if (job.mergeStartedAt) continue;
      const outcome = await this.merger.tryFinalize(job.id);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    return outcomes;
  }

  /** Half-written workbooks of a previous run (single instance: none of them is still being written). */
  private async removePartialFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.merger.resultsDir);
    } catch {
      return;
    }
    const partial = names.filter((n) => n.endsWith(PARTIAL_SUFFIX));
    await Promise.all(partial.map((n) => rm(join(this.merger.resultsDir, n), { force: true })));
    if (partial.length > 0) this.logger.log({ msg: 'removed half-written workbooks', count: partial.length });
  }
}

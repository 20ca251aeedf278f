import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { JobRepository } from '@geobatch/job-store';
import { PARTIAL_SUFFIX, WorkbookMergerService } from './workbook-merger.service';

/**
 * After a restart, rebuilds what a dead merger left behind, from the durable chunks: a merger
 * that died mid-write left `merge_started_at` set, and a job may have become ready while no
 * merger was running (its last message was handled but the merge never ran).
 *
 * While running, it also sweeps every SWEEP_EVERY_MS for sealed jobs whose every chunk is stored
 * but that nobody merged: a trigger can be lost (the last chunk is stored just before the job is
 * sealed while the `job.sealed` event arrives as that chunk's finalize is still in flight), and such
 * a job would otherwise stay `running` for ever.
 *
 * Assumes a single merger instance: a merge claimed by another live instance would be
 * released and written twice (harmless, the rename is atomic, but wasted work). Running several
 * mergers needs a lease (claim with an expiry) instead.
 */
@Injectable()
export class MergeRecoveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MergeRecoveryService.name);
  /** How often the sweep looks for ready jobs nobody merged. */
  sweepEveryMs = 10_000;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly jobs: JobRepository,
    private readonly merger: WorkbookMergerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.removePartialFiles();
    const pending = await this.jobs.findSealedRunning();
    for (const job of pending) {
      if (job.mergeStartedAt) {
        this.logger.warn({ msg: 'releasing a merge interrupted by a restart', jobId: job.id, mergeStartedAt: job.mergeStartedAt });
        await this.jobs.releaseMerge(job.id);
      }
    }
    const outcomes: Record<string, number> = {};
    for (const job of pending) {
      const outcome = await this.merger.tryFinalize(job.id);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    this.logger.log({ msg: 'start-up recovery done', sealedRunning: pending.length, outcomes });
    this.sweepTimer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((e: Error) => this.logger.warn({ msg: 'merge sweep failed; next one retries', error: e.message }))
        .finally(() => (this.sweeping = undefined));
    }, this.sweepEveryMs);
    this.sweepTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
  }

  /** Finishes sealed jobs that are ready but unclaimed (claimMerge checks readiness; a job being merged is left alone). */
  async sweep(): Promise<void> {
    for (const job of await this.jobs.findSealedRunning()) {
      if (job.mergeStartedAt) continue;
      const outcome = await this.merger.tryFinalize(job.id);
      if (outcome !== 'not-ready') this.logger.warn({ msg: `merge sweep: ready job nobody merged, ${outcome}`, jobId: job.id });
    }
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

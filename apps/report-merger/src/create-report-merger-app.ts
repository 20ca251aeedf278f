import type { INestMicroservice, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConsumerGroups } from '@geobatch/contracts';
import { consumerServerOptions, ensureTopics } from '@geobatch/util-kafka';
import { REPORT_MERGER_CLIENT_ID, type ReportMergerConfig } from './config/report-merger-config.module';
import { ReportMergerModule } from './report-merger.module';

export interface ReportMergerAppOptions {
  /** Consumer group; tests use their own so they neither share offsets nor partitions with a running merger. */
  groupId?: string;
  /** Read the topics from the start when the group has no committed offsets (default true). */
  fromBeginning?: boolean;
}

/** Builds the merger (topics ensured, not yet listening); `main.ts` and the tests share it. */
export async function createReportMergerApp(
  config: ReportMergerConfig,
  logger: LoggerService,
  options: ReportMergerAppOptions = {},
): Promise<INestMicroservice> {
  const conn = { clientId: REPORT_MERGER_CLIENT_ID, brokers: config.KAFKA_BROKERS };
  // The broker never auto-creates topics: subscribing to a missing one would fail.
  await ensureTopics(conn);
  const transport = consumerServerOptions(conn, options.groupId ?? ConsumerGroups.reportMerger, {
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
    heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
  });
  if (options.fromBeginning !== undefined && transport.options) transport.options.subscribe = { fromBeginning: options.fromBeginning };
  return NestFactory.createMicroservice(ReportMergerModule.forRoot(config), { ...transport, logger });
}

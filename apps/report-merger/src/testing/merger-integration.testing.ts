import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { INestMicroservice, LoggerService } from '@nestjs/common';
import type { Admin, Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { BoundaryImporter, GEO_ENTITIES, GEO_MIGRATIONS, geoDataSourceOptions, runMigrationsExclusive } from '@geobatch/geo-query';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS } from '@geobatch/job-store';
import { loadConfig } from '@geobatch/util-config';
import { openTestSchema, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { ReportMergerEnvSchema } from '../config/report-merger-env.schema';
import { createReportMergerApp } from '../create-report-merger-app';

/**
 * Creates `schema` in the test database with the geo and job tables migrated into it (a geocoder
 * process needs the boundaries, the merger the jobs). Drop it with `dropTestSchema`.
 */
export function openPipelineSchema(schema: string, poolSize: number): Promise<DataSource> {
  return openTestSchema(schema, (url) => geoDataSourceOptions(url, { migrations: [...GEO_MIGRATIONS, ...JOB_STORE_MIGRATIONS], entities: [...GEO_ENTITIES, ...JOB_STORE_ENTITIES], poolSize }), {
    migrate: runMigrationsExclusive,
  });
}

/** Commits `groupId` at the end of `topics`, so it reads only what the suite publishes from now on. */
export async function startAtEnd(admin: Admin, groupId: string, topics: string[]): Promise<void> {
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
  }
}

/** A one-square dataset `name-run` (code `code`) imported from a GeoJSON file written to `dir`; its id. */
export async function importSquareDataset(db: DataSource, dir: string, name: string, code: string, run: string): Promise<string> {
  const file = join(dir, `${name}.geojson`);
  await writeFile(file, JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { code, name }, geometry: { type: 'Polygon', coordinates: [[[126, 36], [128, 36], [128, 38], [126, 38], [126, 36]]] } }],
  }));
  return (await new BoundaryImporter(db).importGeoJson({ name: `${name}-${run}`, levels: { sido: file } })).datasetId;
}

/**
 * An in-process merger on the test broker in a group of its own, starting at the end of the topics,
 * with these settings (DATABASE_URL and STORAGE_DIR at least). Resolves after its first fetch:
 * publishing before the consumer has resolved its start offsets would lose the messages.
 */
export async function startTestMerger(settings: Record<string, string>, logger: LoggerService, groupId: string): Promise<INestMicroservice> {
  const config = loadConfig(ReportMergerEnvSchema, { KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','), ...settings });
  const app = await createReportMergerApp(config, logger, { groupId, fromBeginning: false });
  await app.listen();
  const [, consumer] = app.unwrap<[unknown, Consumer, unknown]>();
  await new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.FETCH, () => (off(), resolve()));
  });
  return app;
}

/**
 * A geocoder process on the test broker with these settings (GEOCODER_GROUP_ID at least), its log
 * in `logDir`; resolves once its group is stable with a member.
 */
export async function startTestGeocoder(admin: Admin, settings: Record<string, string>, logDir: string): Promise<ServiceProcess> {
  const geocoder = new ServiceProcess('geocoder', { KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','), ...settings }, logDir).start();
  try {
    await waitFor('the geocoder to join its group', async () => {
      const [group] = (await admin.describeGroups([`${settings.GEOCODER_GROUP_ID}-server`])).groups;
      return group?.state === 'Stable' && group.members.length > 0 ? true : undefined;
    }, 90_000, 500);
  } catch (e) {
    // The suite never got hold of it: stop it here rather than leave it running.
    await geocoder.stop();
    throw e;
  }
  return geocoder;
}

import { resolve } from 'node:path';
import { IsNotEmpty, IsString } from 'class-validator';
import { CommaSeparated, loadConfig } from '@geobatch/util-config';

/** Repository root, found from this file's location so tests run from any working directory. */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** Where integration and end-to-end tests find their services and fixtures. */
export class TestEnvSchema {
  /** A database of its own: tests create and drop data freely. */
  @IsString()
  @IsNotEmpty()
  TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/geobatch_test';

  @CommaSeparated()
  @IsString({ each: true })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  /** The shared fixtures folder beside the repository (never copied into it). */
  @IsString()
  SHARED_DIR = resolve(REPO_ROOT, '../shared');
}

export const testEnv = loadConfig(TestEnvSchema);

/** Absolute path of a file under `../shared/fixtures`. */
export function fixturePath(...parts: string[]): string {
  return resolve(testEnv.SHARED_DIR, 'fixtures', ...parts);
}

export const KOSTAT_2018 = {
  sido: fixturePath('boundaries', 'kr-kostat-2018', 'sido_2018_kostat.geojson'),
  sigungu: fixturePath('boundaries', 'kr-kostat-2018', 'sgg_2018_kostat.geojson'),
  eupmyeondong: fixturePath('boundaries', 'kr-kostat-2018', 'emd_2018_kostat.geojson'),
} as const;

export const SAMPLE_INPUTS = {
  utf8Csv: fixturePath('inputs', 'overspeed-200.utf8.csv'),
  cp949Csv: fixturePath('inputs', 'overspeed-200.cp949.csv'),
  xlsx: fixturePath('inputs', 'overspeed-200.xlsx'),
} as const;

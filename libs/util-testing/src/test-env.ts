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

/**
 * The 2021 행정동 vintage (vuski/admdongkor 2021-04-01; 15 of the 17 시도: no 경상북도, 전라남도): one
 * 행정동 layer whose features carry `adm_cd` (KOSTAT 7-digit code), `adm_nm` (full name),
 * `sidonm` and `sggnm`. Import it with these field options.
 */
export const ADMDONG_2021 = {
  eupmyeondong: fixturePath('boundaries', 'kr-admdong-2021-04', 'admdong_2021_04_15sido.geojson'),
  codeField: 'adm_cd',
  nameField: 'adm_nm',
  nameLastWord: true,
  parentNameFields: { sido: 'sidonm', sigungu: 'sggnm' },
} as const;

/**
 * The published source of the built-in `kr-bjd` dataset (`../shared/data`), which tests read to judge
 * the copy the product vendors and loads.
 */
export const BUILT_IN_SOURCES = {
  bjdEmdTopoJson: resolve(testEnv.SHARED_DIR, 'data', 'kr-bjd-2024-02', 'emd.topo.json'),
} as const;

export const SAMPLE_INPUTS = {
  utf8Csv: fixturePath('inputs', 'overspeed-200.utf8.csv'),
  cp949Csv: fixturePath('inputs', 'overspeed-200.cp949.csv'),
  xlsx: fixturePath('inputs', 'overspeed-200.xlsx'),
} as const;

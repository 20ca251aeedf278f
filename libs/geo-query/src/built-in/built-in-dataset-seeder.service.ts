import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { activeJobPinsSql } from '../dataset.repository';
import { runImport } from '../import/boundary-import.runner';
import type { ImportResult } from '../import/import-plan';
import type { ImportProgress } from '../import/import-options';
import { BUILT_IN_DATASETS, RETIRED_DEFAULT_DATASET, type BuiltInDataset } from './built-in-datasets';
import { builtInDataDir } from './topojson-layer';

export interface SeededDataset {
  name: string;
  version: string;
  /** False when the database already had this version (nothing was done). */
  seeded: boolean;
  result?: ImportResult;
}

export interface SeedReport {
  datasets: SeededDataset[];
  /** `name@version` of the default dataset after seeding, if any. */
  defaultDataset: string | null;
  /** Whether the retired 시군구-only default was removed (it is dropped once no job runs on it). */
  retiredRemoved: boolean;
}

/**
 * Gives an installation its built-in datasets without any download: each version in `data/boundaries/`
 * that the database lacks is imported. `kr-bjd` becomes the default when there is none, or when the
 * default is the retired 시군구-only dataset of older set-ups. Idempotent and cheap once done.
 */
@Injectable()
export class BuiltInDatasetSeeder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly datasets: readonly BuiltInDataset[] = BUILT_IN_DATASETS,
    private readonly dataDir: () => string = () => builtInDataDir(),
  ) {}

  async seed(onProgress?: (dataset: string, event: ImportProgress) => void): Promise<SeedReport> {
    const out: SeededDataset[] = [];
    for (const d of this.datasets) {
      if (await this.present(d)) {
        out.push({ name: d.name, version: d.version, seeded: false });
        continue;
      }
      // Another set-up may be seeding at the same moment: `onlyIfAbsent` checks again under the import lock.
      const result = await runImport(this.dataSource, {
        meta: {
          name: d.name,
          version: d.version,
          effectiveDate: d.effectiveDate,
          attribution: d.attribution,
          simplified: d.simplified,
          notes: d.notes,
          isDefault: false,
        },
        ...(await d.layers(this.dataDir())),
        onlyIfAbsent: true,
        onProgress: (e) => onProgress?.(`${d.name}@${d.version}`, e),
      });
      out.push(result ? { name: d.name, version: d.version, seeded: true, result } : { name: d.name, version: d.version, seeded: false });
    }
    const retiredRemoved = await this.retireOldDefault();
    return { datasets: out, defaultDataset: await this.ensureDefault(), retiredRemoved };
  }

  private async present(d: BuiltInDataset): Promise<boolean> {
    const [{ present }]: { present: boolean }[] = await this.dataSource.query(
      'SELECT EXISTS (SELECT 1 FROM dataset WHERE name = $1 AND version = $2 AND superseded_at IS NULL) AS present',
      [d.name, d.version],
    );
    return present;
  }

  /** Drops the retired default unless a queued or running job still reads it; true when it went. */
  private async retireOldDefault(): Promise<boolean> {
    const [{ jobs }]: { jobs: boolean }[] = await this.dataSource.query(`SELECT to_regclass('job') IS NOT NULL AS jobs`);
    const unpinned = jobs ? `AND NOT EXISTS (SELECT 1 ${activeJobPinsSql('d.id')})` : '';
    const [, removed]: [unknown, number] = await this.dataSource.query(`DELETE FROM dataset d WHERE d.name = $1 ${unpinned}`, [RETIRED_DEFAULT_DATASET]);
    // A retired default still in use steps aside, so new jobs get the built-in one.
    await this.dataSource.query('UPDATE dataset SET is_default = false WHERE is_default AND name = $1', [RETIRED_DEFAULT_DATASET]);
    return removed > 0;
  }

  /** Makes the first built-in dataset marked default the default when none is; returns the default's label. */
  private async ensureDefault(): Promise<string | null> {
    const preferred = this.datasets.find((d) => d.isDefault);
    if (preferred) {
      await this.dataSource
        .query(
          `UPDATE dataset SET is_default = true
           WHERE name = $1 AND version = $2 AND superseded_at IS NULL AND NOT EXISTS (SELECT 1 FROM dataset WHERE is_default)`,
          [preferred.name, preferred.version],
        )
        // Two seeders at once: the single-default index lets one win; the other's update is redundant.
        .catch((e: unknown) => {
          if (!(e instanceof Error && /dataset_single_default_idx/.test(e.message))) throw e;
        });
    }
    const rows: { name: string; version: string }[] = await this.dataSource.query('SELECT name, version FROM dataset WHERE is_default');
    return rows[0] ? `${rows[0].name}@${rows[0].version}` : null;
  }
}

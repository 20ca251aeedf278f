import { Inject, Injectable } from '@nestjs/common';

/**
 * The part of `@geobatch/geo-query`'s DatasetRepository the gateway relies on. Kept as a
 * structural interface so that dependency sits in this one file (and tests can fake it).
 */
export interface DatasetRecord {
  id: string;
  name: string;
  version: string | number;
  isDefault: boolean;
}

export interface DatasetLookup {
  list(): Promise<DatasetRecord[]>;
  /** Latest version of the named dataset. */
  findByName(name: string): Promise<DatasetRecord | null>;
  findDefault(): Promise<DatasetRecord | null>;
}

export const DATASET_LOOKUP = Symbol('DATASET_LOOKUP');

/** Datasets a job is pinned to: ids for the geocoder, `name@version` labels for people. */
export interface PinnedDatasets {
  ids: string[];
  labels: string[];
}

/** The request named a dataset that does not exist, or none exists to default to. */
export class UnknownDatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownDatasetError';
  }
}

export function datasetLabel(d: Pick<DatasetRecord, 'name' | 'version'>): string {
  return `${d.name}@${d.version}`;
}

/** Picks the dataset of a new job and pins its exact version, so replays look up the same polygons. */
@Injectable()
export class DatasetResolverService {
  constructor(@Inject(DATASET_LOOKUP) private readonly datasets: DatasetLookup) {}

  async resolve(name?: string): Promise<PinnedDatasets> {
    const wanted = name?.trim();
    const found = wanted ? await this.datasets.findByName(wanted) : await this.datasets.findDefault();
    if (!found) {
      const available = [...new Set((await this.datasets.list()).map((d) => d.name))].sort();
      const known = available.length > 0 ? available.join(', ') : 'none loaded';
      throw new UnknownDatasetError(
        wanted
          ? `dataset: 경계 데이터셋 "${wanted}"을(를) 찾을 수 없습니다 (unknown dataset; available: ${known})`
          : `dataset: 기본 경계 데이터셋이 없습니다 (no default dataset; name one with "dataset", available: ${known})`,
      );
    }
    return { ids: [found.id], labels: [datasetLabel(found)] };
  }
}

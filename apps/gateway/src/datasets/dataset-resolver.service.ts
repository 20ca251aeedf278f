import { Inject, Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { MAX_GEOCODE_DATASETS, type AdminLevel, type DatasetFacts } from '@geobatch/contracts';

/**
 * The part of `@geobatch/geo-query`'s DatasetRepository the gateway relies on. Kept as a
 * structural interface so that dependency sits in this one file (and tests can fake it).
 */
export interface DatasetRecord {
  id: string;
  name: string;
  version: string | number;
  isDefault: boolean;
  /** What `요약` says of the dataset (the repository's rows have them all). */
  effectiveDate?: string | null;
  levels?: AdminLevel[];
  simplified?: boolean;
  attribution?: string;
  notes?: string;
}

/** With `visibleTo` (an API key id): only shared datasets (no owner) and that key's own. */
export interface DatasetScope {
  visibleTo?: string;
}

export interface DatasetLookup {
  list(scope?: DatasetScope): Promise<DatasetRecord[]>;
  /** Latest version of the named dataset. */
  findByName(name: string, version?: string, scope?: DatasetScope): Promise<DatasetRecord | null>;
  findDefault(scope?: DatasetScope): Promise<DatasetRecord | null>;
  /** Any generation of the dataset with this id. */
  findById(id: string, scope?: DatasetScope): Promise<DatasetRecord | null>;
}

export const DATASET_LOOKUP = Symbol('DATASET_LOOKUP');

/** Most datasets one job may name (each adds a group of columns); the same bound as `POST /geocode`. */
export const MAX_JOB_DATASETS = MAX_GEOCODE_DATASETS;

/** Datasets a job is pinned to: ids for the geocoder, `name@version` labels for people. */
export interface PinnedDatasets {
  ids: string[];
  labels: string[];
}

/** The request field datasets are named in: a job's form `dataset`, `POST /geocode`'s `datasets`. */
export type DatasetField = 'dataset' | 'datasets';

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

  /**
   * `ownerKeyId`: the caller's key. Only shared datasets and the caller's own are found; another
   * key's dataset is as unknown as a name nobody imported (and is not listed as available).
   * `field`: the request field the names came from, which a refusal names.
   */
  async resolve(name: string | undefined, ownerKeyId?: string, field: DatasetField = 'dataset'): Promise<PinnedDatasets> {
    if (name?.includes(',')) return this.resolveSeveral(name, ownerKeyId, field);
    const wanted = name?.trim();
    const scope: DatasetScope = ownerKeyId === undefined ? {} : { visibleTo: ownerKeyId };
    // An id names one dataset (as `POST /geocode` has always taken them); it too must be visible to the caller.
    const found = !wanted
      ? await this.datasets.findDefault(scope)
      : isUUID(wanted)
        ? await this.datasets.findById(wanted, scope)
        : await this.datasets.findByName(wanted, undefined, scope);
    if (!found) {
      const available = [...new Set((await this.datasets.list(scope)).map((d) => d.name))].sort();
      const known = available.length > 0 ? available.join(', ') : 'none loaded';
      throw new UnknownDatasetError(
        wanted
          ? `${field}: 경계 데이터셋 "${wanted}"을(를) 찾을 수 없습니다 (unknown dataset; available: ${known})`
          : `${field}: 기본 경계 데이터셋이 없습니다 (no default dataset; name one with "${field}", available: ${known})`,
      );
    }
    return { ids: [found.id], labels: [datasetLabel(found)] };
  }

  /** The facts a job records of its pinned datasets (by id, as pinned), for its `요약`. */
  async factsOf(ids: readonly string[], ownerKeyId?: string): Promise<DatasetFacts[]> {
    const scope: DatasetScope = ownerKeyId === undefined ? {} : { visibleTo: ownerKeyId };
    return Promise.all(
      ids.map(async (id) => {
        const d = await this.datasets.findById(id, scope);
        if (!d) throw new UnknownDatasetError(`dataset: 경계 데이터셋 ${id}을(를) 찾을 수 없습니다 (dataset ${id} is gone)`);
        return {
          label: datasetLabel(d),
          effectiveDate: d.effectiveDate ?? null,
          levels: [...(d.levels ?? [])],
          simplified: d.simplified ?? false,
          attribution: d.attribution ?? '',
          notes: d.notes ?? '',
        };
      }),
    );
  }

  /** `a,b`: several datasets, each adding its own group of columns, in the order given. */
  private async resolveSeveral(names: string, ownerKeyId: string | undefined, field: DatasetField): Promise<PinnedDatasets> {
    const wanted = names.split(',').map((n) => n.trim()).filter((n) => n !== '');
    if (wanted.length === 0) return this.resolve(undefined, ownerKeyId, field);
    if (wanted.length > MAX_JOB_DATASETS) {
      throw new UnknownDatasetError(`${field}: 데이터셋은 최대 ${MAX_JOB_DATASETS}개 (at most ${MAX_JOB_DATASETS} datasets per job, got ${wanted.length})`);
    }
    const pinned: PinnedDatasets = { ids: [], labels: [] };
    for (const one of wanted) {
      const { ids, labels } = await this.resolve(one, ownerKeyId, field);
      if (pinned.ids.includes(ids[0])) throw new UnknownDatasetError(`${field}: "${one}"이(가) 두 번 있습니다 (dataset ${labels[0]} is named twice)`);
      pinned.ids.push(ids[0]);
      pinned.labels.push(labels[0]);
    }
    return pinned;
  }
}

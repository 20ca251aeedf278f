// What an import is asked to do (layers, dissolved levels, the dataset's facts) and what it answers.
import type { AdminLevel, InputCrs } from '@geobatch/contracts';
import type { FieldNames } from './geojson-features';
import type { DatasetMeta, ImportProgress, ParentField } from './import-options';

/** Features of one level, from a file or from memory. */
export interface LayerSource extends FieldNames {
  level: AdminLevel;
  /** Names the source in error messages, e.g. `sigungu layer (/data/sgg.geojson)`. */
  label: string;
  features: AsyncIterable<unknown> | Iterable<unknown>;
  /** Coordinate system of the features; EPSG:4326 when absent. Others are transformed by PostGIS. */
  crs?: InputCrs;
  /** Coarser levels without a layer, named from this layer's feature properties. */
  parents?: ParentField[];
}

/**
 * A level made in SQL as the union of a finer level's areas grouped by their code's prefix of the level
 * (2 digits for 시도, 5 for 시군구): it has exactly its children's outline, gaps between them included,
 * so no point lies in the coarser area without lying in one of its children.
 */
export interface DissolvedLevel {
  level: AdminLevel;
  from: AdminLevel;
  /** Code and name of each area made, by that prefix. */
  areas: ReadonlyMap<string, { code: string; name: string }>;
}

export interface ImportPlan {
  meta: DatasetMeta;
  layers: LayerSource[];
  /** Coarser levels made from finer ones, in this order (e.g. 시군구 from 읍면동, then 시도 from 시군구). */
  dissolve?: DissolvedLevel[];
  /** Import only if no current dataset has this name and version (checked under the import's lock). */
  onlyIfAbsent?: boolean;
  onProgress?: (event: ImportProgress) => void;
}

export interface ImportResult {
  datasetId: string;
  name: string;
  version: string;
  /** Levels the dataset answers with: those of the layers and of the parent names. */
  levels: AdminLevel[];
  /** Features read per layer. */
  featureCounts: Partial<Record<AdminLevel, number>>;
  /** Areas without a polygon made from parent names in the features' properties, per level. */
  parentCounts: Partial<Record<AdminLevel, number>>;
  /** Rows written to boundary_part. */
  parts: number;
  /** A dataset of the same name and version existed: it is now superseded by this one (see `supersededId`). */
  replaced: boolean;
  /** The id of the generation this import superseded; it keeps its polygons for the jobs pinned to it. */
  supersededId?: string;
  isDefault: boolean;
  ms: number;
}

/** Reports one step of a running import (the runner adds the elapsed time). */
export type StepProgress = (event: Omit<ImportProgress, 'ms'>) => void;

import { BadRequestException } from '@nestjs/common';
import { DEFAULT_NEAREST_M, type CreateJobDto } from '@geobatch/contracts';
import type { JobOptions, JobSheetColumns } from '@geobatch/job-store';
import { csvSheetName, openTabularFile, planUpload, type TabularFile } from '@geobatch/util-spreadsheet';
import type { DatasetResolverService, PinnedDatasets } from '../datasets/dataset-resolver.service';
import { planColumns } from './column-plan';
import { resolveDatedSeries, type SeriesLookup } from './dated-series';
import type { StoredUpload } from './hashing-disk-storage';

/** Coordinates are WGS84 longitude/latitude unless the caller names another system. */
export const DEFAULT_CRS = 'EPSG:4326';

/** The datasets a job is pinned to, and for a job with a date column every version of their series. */
export interface JobDatasets extends PinnedDatasets {
  dated: Pick<JobOptions, 'dateColumn' | 'datasetVersions' | 'datasetVersionIds'>;
}

/** Reads a stored upload as the gateway reads every upload: a CSV's sheet is named after the file. */
export function openUpload(upload: StoredUpload, encoding: string | undefined): Promise<TabularFile> {
  return openTabularFile(upload.path, { encoding, csvSheetName: csvSheetName(upload.originalname) });
}

/** The sheets a job reads and their columns; a CSV result holds one sheet only. */
export async function planSheets(file: TabularFile, dto: CreateJobDto): Promise<JobSheetColumns[]> {
  const columns = await planColumns(file, { x: dto.x, y: dto.y, sheet: dto.sheet, date: dto.dateColumn });
  if ((dto.format ?? 'xlsx') === 'csv' && columns.length > 1) {
    throw new BadRequestException(
      `format: CSV 결과에는 시트 하나만 담을 수 있습니다 (format=csv holds one sheet, but ${columns.length} sheets have the columns: ` +
        `${columns.map((c) => `"${c.name}"`).join(', ')}; choose one with "sheet")`,
    );
  }
  return columns;
}

function dateColumnOf(dto: CreateJobDto): string | undefined {
  return dto.dateColumn?.trim() ? dto.dateColumn : undefined;
}

/**
 * The datasets named (or the default). With a date column, every version of each named series is
 * pinned, and each output group is labelled with its newest version.
 */
export async function pinDatasets(
  resolver: DatasetResolverService,
  seriesLookup: SeriesLookup | undefined,
  dto: CreateJobDto,
  ownerKeyId: string | null,
): Promise<JobDatasets> {
  const pinned = await resolver.resolve(dto.dataset, ownerKeyId ?? undefined);
  const dateColumn = dateColumnOf(dto);
  if (dateColumn === undefined) return { ...pinned, dated: {} };
  if (!seriesLookup) throw new Error('dated jobs need the dataset repository');
  const series = await resolveDatedSeries(seriesLookup, pinned.ids, ownerKeyId);
  return {
    ids: series.ids,
    labels: series.labels,
    dated: { dateColumn, datasetVersions: series.versions, datasetVersionIds: series.versions.flatMap((vs) => vs.map((v) => v.id)) },
  };
}

/** Everything a job is created with, its upload plan included; stored with the job and never changed. */
export function jobOptionsOf(dto: CreateJobDto, file: TabularFile, columns: JobSheetColumns[], datasets: JobDatasets, facts: JobOptions['datasetFacts']): JobOptions {
  return {
    x: dto.x ?? 'auto',
    y: dto.y ?? 'auto',
    crs: dto.crs ?? DEFAULT_CRS,
    datasetIds: datasets.ids,
    datasetLabels: datasets.labels,
    datasetFacts: facts,
    ...(file.kind === 'csv' ? { encodingRequested: dto.encoding ?? 'auto' } : {}),
    sheet: dto.sheet ?? null,
    lang: dto.lang ?? 'ko',
    format: dto.format ?? 'xlsx',
    nearestM: dto.nearestM ?? DEFAULT_NEAREST_M,
    ...datasets.dated,
    upload: planUpload(file, columns),
    ...(dto.callbackUrl ? { callbackUrl: dto.callbackUrl } : {}),
  };
}

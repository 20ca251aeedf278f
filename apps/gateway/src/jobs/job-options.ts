import { BadRequestException } from '@nestjs/common';
import { DEFAULT_NEAREST_M, type CreateJobDto } from '@geobatch/contracts';
import type { JobOptions } from '@geobatch/job-store';
import {
  csvSheetName,
  numericValue,
  openTabularFile,
  planUpload,
  sampleRows,
  suggestCrs,
  type HeaderRowRequest,
  type SheetColumns,
  type TabularFile,
} from '@geobatch/util-spreadsheet';
import type { DatasetResolverService, PinnedDatasets } from '../datasets/dataset-resolver.service';
import { DETECTION_SAMPLE_ROWS, planColumns } from './column-plan';
import { resolveDatedSeries, type SeriesLookup } from './dated-series';
import type { StoredUpload } from './hashing-disk-storage';

/** Coordinates are WGS84 longitude/latitude unless the caller names another system or the values show one. */
export const DEFAULT_CRS = 'EPSG:4326';

/** The datasets a job is pinned to, and for a job with a date column every version of their series. */
export interface JobDatasets extends PinnedDatasets {
  dated: Pick<JobOptions, 'dateColumn' | 'datasetVersions' | 'datasetVersionIds'>;
}

/** Reads a stored upload as the gateway reads every upload: a CSV's sheet is named after the file; `header` finds each header row. */
export function openUpload(upload: StoredUpload, encoding: string | undefined, header?: HeaderRowRequest): Promise<TabularFile> {
  return openTabularFile(upload.path, { encoding, csvSheetName: csvSheetName(upload.originalname), header });
}

/** The sheets a job reads and their columns; a CSV result holds one sheet only. */
export async function planSheets(file: TabularFile, dto: CreateJobDto): Promise<SheetColumns[]> {
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

/** The first rows' x/y pairs of every sheet a job reads. */
async function samplePoints(file: TabularFile, columns: SheetColumns[]): Promise<[number, number][]> {
  const points: [number, number][] = [];
  for (const c of columns) {
    const sheet = file.sheets.find((s) => s.index === c.sheet);
    if (!sheet) continue;
    for (const row of await sampleRows(sheet, DETECTION_SAMPLE_ROWS)) {
      const x = numericValue(row.cells[c.x]);
      const y = numericValue(row.cells[c.y]);
      if (x !== null && y !== null) points.push([x, y]);
    }
  }
  return points;
}

/**
 * The coordinate system of a job that names none: the one its values' ranges show (suggestCrs),
 * else EPSG:4326 (rows that are not degrees then say so, INVALID). When the values fit several
 * overlapping Central Belt systems, guessing could put every row 100 km off without a sign, so the
 * job is refused until `crs` names one (the preview shows the same candidates).
 */
export async function jobCrsOf(dto: Pick<CreateJobDto, 'crs'>, file: TabularFile, columns: SheetColumns[]): Promise<string> {
  if (dto.crs) return dto.crs;
  const { crs, candidates } = suggestCrs(await samplePoints(file, columns));
  if (crs === 'unknown') return DEFAULT_CRS;
  if (candidates.length > 1) {
    throw new BadRequestException(
      `crs: 좌표 값만으로는 좌표계를 정할 수 없습니다. ${candidates.join(', ')} 중 하나를 crs로 지정하세요 ` +
        `(the values fit ${candidates.join(', ')}, which overlap over Korea; give crs)`,
    );
  }
  return crs;
}

/** Everything a job is created with, its upload plan included; stored with the job and never changed. */
export async function jobOptionsOf(dto: CreateJobDto, file: TabularFile, columns: SheetColumns[], datasets: JobDatasets, facts: JobOptions['datasetFacts']): Promise<JobOptions> {
  return {
    x: dto.x ?? 'auto',
    y: dto.y ?? 'auto',
    crs: await jobCrsOf(dto, file, columns),
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

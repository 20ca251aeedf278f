import { Inject, Injectable } from '@nestjs/common';
import {
  ADMIN_LEVEL_LABELS,
  ADMIN_LEVELS,
  DEFAULT_NEAREST_M,
  RowStatus,
  type AdminLevel,
  packChunkResult,
  pointsOf,
  type ChunkResultEventV2,
  type MatchV1,
  type RowResultV1,
  type RowsChunkEventV2,
} from '@geobatch/contracts';
import type { LookupHit } from '@geobatch/geo-query';
import { pointParser, swappedNote, unsupportedCrsNote, type ParsedPoint } from './coordinates';
import { DATASET_ENGINES, type DatasetEngines, type EngineDataset } from './engine-registry';

export const NOT_FOUND_NOTE = '경계 밖 / outside every boundary';
export const DATASET_MISSING_NOTE = '데이터셋 없음 / dataset not found (deleted?)';

/** The note of a NEAREST match. */
export function nearestNote(distanceM: number): string {
  return `가장 가까운 경계까지 ${distanceM.toFixed(1)} m / nearest boundary ${distanceM.toFixed(1)} m away`;
}

/** Rows by the status of their first dataset's match. */
export interface ChunkStats {
  rows: number;
  ok: number;
  notFound: number;
  invalid: number;
  swapped: number;
  nearest: number;
}

/** What a dataset answered for the chunk: its hits by point index, or that it is gone. */
type DatasetAnswer = { levels: AdminLevel[]; hits: Map<number, LookupHit> } | null;

/** A level the dataset has but the hit lacks, other than 리 (동 areas have no 리: that is normal). */
function missingLevels(levels: AdminLevel[], hit: LookupHit): AdminLevel[] {
  return levels.filter((l) => l !== 'ri' && hit[l] === undefined);
}

/**
 * One dataset's answer for one row. Status, most severe first: INVALID (unusable coordinates),
 * NOT_FOUND (no area, not even within the tolerance), NEAREST (matched by proximity), SWAPPED (x/y
 * exchanged, matched exactly once swapped back), OK. The note lists every fact that applies.
 */
function matchFor(point: ParsedPoint, index: number, answer: DatasetAnswer): MatchV1 {
  if (!point.ok) return { status: RowStatus.Invalid, note: point.note };
  if (answer === null) return { status: RowStatus.NotFound, note: DATASET_MISSING_NOTE };
  const notes: string[] = point.swapped ? [swappedNote(point.lat, point.lon)] : [];
  const hit = answer.hits.get(index);
  if (!hit) return { status: RowStatus.NotFound, note: [NOT_FOUND_NOTE, ...notes].join('; ') };
  const match: MatchV1 = { status: hit.nearest ? RowStatus.Nearest : point.swapped ? RowStatus.Swapped : RowStatus.Ok };
  for (const level of ADMIN_LEVELS) if (hit[level]) match[level] = { ...hit[level] };
  if (hit.nearest) {
    match.distanceM = hit.nearest.distanceM;
    notes.push(nearestNote(hit.nearest.distanceM));
  }
  const missing = missingLevels(answer.levels, hit);
  if (missing.length > 0) notes.push(`${missing.map((l) => ADMIN_LEVEL_LABELS[l]).join('·')} 없음 / no ${missing.join(', ')} area here`);
  if (notes.length > 0) match.note = notes.join('; ');
  return match;
}

/** Raw points of a chunk or of a `/geocode` request, and how to read and look them up. */
export interface GeocodeInput {
  /** `n` is echoed in each result; x/y are the raw values as read. */
  points: readonly { n: number; x?: string | null; y?: string | null }[];
  crs: string;
  /** Tolerance of the nearest-polygon rule in metres (0: off). */
  nearestM: number;
  /** Datasets to answer from, in the order of each row's matches (repeats allowed). */
  datasetIds: readonly string[];
}

export interface GeocodeOutput {
  rows: RowResultV1[];
  stats: ChunkStats;
  /** Per entry of `datasetIds`: the dataset that answered, or null when it does not exist. */
  datasets: (EngineDataset | null)[];
}

/**
 * Turns raw coordinates into results: validates every row, then asks each dataset's engine ONCE for
 * all valid points (one in-memory pass, or one set-based statement; never a query per row). Rows
 * chunks and `/geocode` requests both go through {@link geocodePoints}.
 */
@Injectable()
export class ChunkGeocoder {
  constructor(@Inject(DATASET_ENGINES) private readonly engines: DatasetEngines) {}

  async geocode(event: RowsChunkEventV2): Promise<{ result: ChunkResultEventV2; stats: ChunkStats }> {
    const { rows, stats } = await this.geocodePoints({
      points: pointsOf(event),
      crs: event.crs,
      nearestM: event.nearestM ?? DEFAULT_NEAREST_M,
      datasetIds: event.datasetIds,
    });
    const head = { jobId: event.jobId, sheet: event.sheet, chunk: event.chunk };
    return { result: packChunkResult(head, rows, event.datasetIds.length), stats };
  }

  async geocodePoints(input: GeocodeInput): Promise<GeocodeOutput> {
    const parse = pointParser(input.crs);
    const crsNote = parse ? null : unsupportedCrsNote(input.crs);
    const parsed: ParsedPoint[] = input.points.map((p) => (parse ? parse(p.x, p.y) : { ok: false, note: crsNote! }));
    // Keyed by position, not by row number: a chunk with a repeated row number must not break the lookup.
    const valid = parsed.flatMap((p, i) => (p.ok ? [{ n: i, lon: p.lon, lat: p.lat }] : []));

    const answers = new Map<string, DatasetAnswer>();
    const datasets = new Map<string, EngineDataset | null>();
    for (const id of input.datasetIds) {
      if (answers.has(id)) continue;
      const found = await this.engines.acquire(id);
      datasets.set(id, found?.dataset ?? null);
      if (!found) {
        answers.set(id, null);
        continue;
      }
      const hits = valid.length > 0 ? await found.engine.lookup(valid, { nearestM: input.nearestM }) : new Map<number, LookupHit>();
      answers.set(id, { levels: found.dataset.levels, hits });
    }

    const stats: ChunkStats = { rows: input.points.length, ok: 0, notFound: 0, invalid: 0, swapped: 0, nearest: 0 };
    const counter: Record<RowStatus, keyof ChunkStats> = {
      [RowStatus.Ok]: 'ok',
      [RowStatus.NotFound]: 'notFound',
      [RowStatus.Invalid]: 'invalid',
      [RowStatus.Swapped]: 'swapped',
      [RowStatus.Nearest]: 'nearest',
      [RowStatus.Error]: 'invalid', // never a lookup's answer: only chunks given up on (rows-chunk.handler)
    };
    const rows: RowResultV1[] = input.points.map((p, i) => {
      const matches = input.datasetIds.map((id) => matchFor(parsed[i], i, answers.get(id)!));
      stats[counter[matches[0]?.status ?? RowStatus.NotFound]]++;
      return { n: p.n, matches };
    });
    return { rows, stats, datasets: input.datasetIds.map((id) => datasets.get(id) ?? null) };
  }
}

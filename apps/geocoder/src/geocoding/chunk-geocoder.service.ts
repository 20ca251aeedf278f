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
  type SeriesVersionsV1,
} from '@geobatch/contracts';
import { pointParser, swappedNote, unsupportedCrsNote, type LookupHit, type ParsedPoint } from '@geobatch/geo-query';
import { DATASET_ENGINES, type DatasetEngines, type EngineDataset } from './engine-registry';
import { chooseVersions, type VersionChoice } from './series-version';

/** Longest note a match carries (MatchV1.note). */
const MAX_NOTE_CHARS = 500;

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
  partial: number;
}

/** What a dataset answered for the chunk: its hits by point index, or that it is gone. */
type DatasetAnswer = { levels: AdminLevel[]; hits: Map<number, LookupHit> } | null;

/** A level the dataset has but the hit lacks, other than 리 (동 areas have no 리: that is normal). */
function missingLevels(levels: AdminLevel[], hit: LookupHit): AdminLevel[] {
  return levels.filter((l) => l !== 'ri' && hit[l] === undefined);
}

/** The note of a PARTIAL match: the levels the dataset has but the point did not reach. */
export function partialNote(missing: readonly AdminLevel[]): string {
  return `${missing.map((l) => ADMIN_LEVEL_LABELS[l]).join('·')} 없음: 이 점을 덮는 ${missing.map((l) => ADMIN_LEVEL_LABELS[l]).join('·')} 경계가 없습니다 / no ${missing.join(', ')} area of the dataset covers this point`;
}

/**
 * One dataset's answer for one row. Status, most severe first: INVALID (unusable coordinates),
 * NOT_FOUND (no area, not even within the tolerance), NEAREST (matched by proximity), SWAPPED (x/y
 * exchanged, matched exactly once swapped back), PARTIAL (a level the dataset has is empty: the point
 * lies in a gap between a coarser area and its subdivisions), OK. The note lists every fact that applies.
 */
function matchFor(point: ParsedPoint, index: number, answer: DatasetAnswer): MatchV1 {
  if (!point.ok) return { status: RowStatus.Invalid, note: point.note };
  if (answer === null) return { status: RowStatus.NotFound, note: DATASET_MISSING_NOTE };
  const notes: string[] = point.swapped ? [swappedNote(point.lat, point.lon)] : [];
  const hit = answer.hits.get(index);
  if (!hit) return { status: RowStatus.NotFound, note: [NOT_FOUND_NOTE, ...notes].join('; ') };
  const missing = missingLevels(answer.levels, hit);
  const status = hit.nearest ? RowStatus.Nearest : point.swapped ? RowStatus.Swapped : missing.length > 0 ? RowStatus.Partial : RowStatus.Ok;
  const match: MatchV1 = { status };
  for (const level of ADMIN_LEVELS) if (hit[level]) match[level] = { ...hit[level] };
  if (hit.nearest) {
    match.distanceM = hit.nearest.distanceM;
    notes.push(nearestNote(hit.nearest.distanceM));
  }
  if (missing.length > 0) notes.push(partialNote(missing));
  if (notes.length > 0) match.note = notes.join('; ');
  return match;
}

/** A dated group's match: which version answered, and the note about how it was chosen (after the lookup's own). */
function withVersion(match: MatchV1, version: string, note: string | null): MatchV1 {
  match.version = version;
  if (note) match.note = (match.note ? `${match.note}; ${note}` : note).slice(0, MAX_NOTE_CHARS);
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
  /** Dated lookups: each point's raw date (see `parseRowDate`), by position. */
  dates?: readonly (string | null)[];
  /**
   * Dated lookups: per entry of `datasetIds`, its series' versions (null: that group is not dated).
   * Each point of a dated group is looked up in the version in force on its date, and its match
   * says which (`version`).
   */
  series?: readonly (SeriesVersionsV1 | null)[];
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
      ...(event.series ? { dates: event.date, series: event.series } : {}),
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

    // Dated groups: the version each row is looked up in. Which points each dataset must answer:
    // all valid ones for a plain group, for a series version only the rows it is in force for.
    const choices: (VersionChoice[] | null)[] = input.datasetIds.map((_, g) => {
      const series = input.series?.[g];
      return series ? chooseVersions(series, input.dates ?? [], input.points.length) : null;
    });
    const wanted = new Map<string, Set<number> | 'all'>();
    input.datasetIds.forEach((id, g) => {
      const series = input.series?.[g];
      const chosen = choices[g];
      if (!series || !chosen) return void wanted.set(id, 'all');
      for (const p of valid) {
        const versionId = series.ids[chosen[p.n].index];
        let rows = wanted.get(versionId);
        if (rows === 'all') continue;
        if (!rows) wanted.set(versionId, (rows = new Set()));
        rows.add(p.n);
      }
      // A version no valid row needs is still acquired: a deleted one must show as missing.
      for (const c of new Set(chosen.map((c) => c.index))) if (!wanted.has(series.ids[c])) wanted.set(series.ids[c], new Set());
    });

    const { answers, datasets } = await this.lookUp(wanted, valid, input.nearestM);

    const stats: ChunkStats = { rows: input.points.length, ok: 0, notFound: 0, invalid: 0, swapped: 0, nearest: 0, partial: 0 };
    const counter: Record<RowStatus, keyof ChunkStats> = {
      [RowStatus.Ok]: 'ok',
      [RowStatus.NotFound]: 'notFound',
      [RowStatus.Invalid]: 'invalid',
      [RowStatus.Swapped]: 'swapped',
      [RowStatus.Nearest]: 'nearest',
      [RowStatus.Partial]: 'partial',
      [RowStatus.Error]: 'invalid', // never a lookup's answer: only chunks given up on (rows-chunk.handler)
    };
    const rows: RowResultV1[] = input.points.map((p, i) => {
      const matches = input.datasetIds.map((id, g) => {
        const chosen = choices[g]?.[i];
        if (!chosen) return matchFor(parsed[i], i, answers.get(id)!);
        const series = input.series![g]!;
        return withVersion(matchFor(parsed[i], i, answers.get(series.ids[chosen.index])!), series.versions[chosen.index], chosen.note);
      });
      stats[counter[matches[0]?.status ?? RowStatus.NotFound]]++;
      return { n: p.n, matches };
    });
    return { rows, stats, datasets: input.datasetIds.map((id) => datasets.get(id) ?? null) };
  }

  /** Each wanted dataset (or version) answers the points it must: one engine lookup per dataset. */
  private async lookUp(wanted: Map<string, Set<number> | 'all'>, valid: { n: number; lon: number; lat: number }[], nearestM: GeocodeInput['nearestM']) {
    const answers = new Map<string, DatasetAnswer>();
    const datasets = new Map<string, EngineDataset | null>();
    for (const [id, rows] of wanted) {
      const found = await this.engines.acquire(id);
      datasets.set(id, found?.dataset ?? null);
      if (!found) {
        answers.set(id, null);
        continue;
      }
      const points = rows === 'all' ? valid : valid.filter((p) => rows.has(p.n));
      const hits = points.length > 0 ? await found.engine.lookup(points, { nearestM }) : new Map<number, LookupHit>();
      answers.set(id, { levels: found.dataset.levels, hits });
    }
    return { answers, datasets };
  }
}

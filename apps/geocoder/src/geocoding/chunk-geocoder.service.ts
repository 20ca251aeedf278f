import { Inject, Injectable } from '@nestjs/common';
import {
  ADMIN_LEVEL_LABELS,
  ADMIN_LEVELS,
  RowStatus,
  type AdminLevel,
  type ChunkResultEventV1,
  type MatchV1,
  type RowResultV1,
  type RowsChunkEventV1,
} from '@geobatch/contracts';
import { BoundaryLookup, DatasetRepository, type LookupHit } from '@geobatch/geo-query';
import { parseWgs84, SUPPORTED_CRS, unsupportedCrsNote, type ParsedPoint } from './coordinates';

export const NOT_FOUND_NOTE = '경계 밖 / outside every boundary';
export const DATASET_MISSING_NOTE = '데이터셋 없음 / dataset not found (deleted?)';

export interface ChunkStats {
  rows: number;
  ok: number;
  notFound: number;
  invalid: number;
}

/** What a dataset answered for the chunk: its hits by point index, or that it is gone. */
type DatasetAnswer = { levels: AdminLevel[]; hits: Map<number, LookupHit> } | null;

/** A level the dataset has but the hit lacks, other than 리 (동 areas have no 리: that is normal). */
function missingLevels(levels: AdminLevel[], hit: LookupHit): AdminLevel[] {
  return levels.filter((l) => l !== 'ri' && hit[l] === undefined);
}

function matchFor(point: ParsedPoint, index: number, answer: DatasetAnswer): MatchV1 {
  if (!point.ok) return { status: RowStatus.Invalid, note: point.note };
  if (answer === null) return { status: RowStatus.NotFound, note: DATASET_MISSING_NOTE };
  const hit = answer.hits.get(index);
  if (!hit) return { status: RowStatus.NotFound, note: NOT_FOUND_NOTE };
  const match: MatchV1 = { status: RowStatus.Ok };
  for (const level of ADMIN_LEVELS) if (hit[level]) match[level] = { ...hit[level] };
  const missing = missingLevels(answer.levels, hit);
  if (missing.length > 0) match.note = `${missing.map((l) => ADMIN_LEVEL_LABELS[l]).join('·')} 없음 / no ${missing.join(', ')} area here`;
  return match;
}

/**
 * Turns a chunk of raw coordinates into a chunk of results: validates every row, then asks each
 * dataset ONCE for all valid points of the chunk (set-based, never a query per row).
 */
@Injectable()
export class ChunkGeocoder {
  constructor(
    @Inject(BoundaryLookup) private readonly boundaries: Pick<BoundaryLookup, 'lookup'>,
    @Inject(DatasetRepository) private readonly datasets: Pick<DatasetRepository, 'findById'>,
  ) {}

  async geocode(event: RowsChunkEventV1): Promise<{ result: ChunkResultEventV1; stats: ChunkStats }> {
    const crsNote = event.crs === SUPPORTED_CRS ? null : unsupportedCrsNote(event.crs);
    const parsed: ParsedPoint[] = event.points.map((p) => (crsNote ? { ok: false, note: crsNote } : parseWgs84(p.x, p.y)));
    // Keyed by position, not by row number: a chunk with a repeated row number must not break the lookup.
    const valid = parsed.flatMap((p, i) => (p.ok ? [{ n: i, lon: p.lon, lat: p.lat }] : []));

    const answers = new Map<string, DatasetAnswer>();
    for (const id of event.datasetIds) {
      if (answers.has(id)) continue;
      const dataset = await this.datasets.findById(id);
      if (!dataset) {
        answers.set(id, null);
        continue;
      }
      const hits = valid.length > 0 ? await this.boundaries.lookup(id, valid) : new Map<number, LookupHit>();
      answers.set(id, { levels: dataset.levels, hits });
    }

    const stats: ChunkStats = { rows: event.points.length, ok: 0, notFound: 0, invalid: 0 };
    const rows: RowResultV1[] = event.points.map((p, i) => {
      const matches = event.datasetIds.map((id) => matchFor(parsed[i], i, answers.get(id)!));
      const first = matches[0]?.status;
      if (first === RowStatus.Ok) stats.ok++;
      else if (first === RowStatus.Invalid) stats.invalid++;
      else stats.notFound++;
      return { n: p.n, matches };
    });
    return { result: { jobId: event.jobId, sheet: event.sheet, chunk: event.chunk, rows }, stats };
  }
}

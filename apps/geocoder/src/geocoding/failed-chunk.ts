import { isUUID } from 'class-validator';
import { MAX_POINTS_PER_CHUNK, packChunkResult, parseChunkKey, RowStatus, type ChunkResultEventV2 } from '@geobatch/contracts';

/** MatchV1.note's limit. */
const MAX_NOTE = 500;

/** The note of a row whose chunk was given up on: Korean first, then English, then the error. */
export function failedChunkNote(why: 'failed' | 'unreadable', error: string): string {
  const head = why === 'failed' ? '처리 실패 / processing failed after retries' : '청크를 읽을 수 없음 / chunk could not be read';
  return `${head}: ${error}`.slice(0, MAX_NOTE);
}

/** A result for every row of a chunk, each ERROR with `note` (one match per dataset of the job). */
export function errorResult(
  target: { jobId: string; sheet: number; chunk: number },
  rowNumbers: readonly number[],
  datasets: number,
  note: string,
): ChunkResultEventV2 {
  const count = Math.max(1, datasets);
  const rows = rowNumbers.map((n) => ({ n, matches: Array.from({ length: count }, () => ({ status: RowStatus.Error, note })) }));
  return packChunkResult({ jobId: target.jobId, sheet: target.sheet, chunk: target.chunk }, rows, count);
}

/** What can still be read from a rows message that does not decode. */
export interface SalvagedChunk {
  jobId: string;
  /** Unknown when neither the payload nor the key has them. */
  sheet: number | null;
  chunk: number | null;
  /** The row numbers of its points, when every point has a usable one; else null. */
  rowNumbers: number[] | null;
  datasets: number;
}

const index = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

/**
 * The job, sheet, chunk and row numbers of an undecodable rows message, from its payload or, failing
 * that, its key (`chunkKey(jobId, sheet, chunk)`). Null when not even the job can be told.
 */
export function salvageRowsChunk(payload: unknown, key: string | null): SalvagedChunk | null {
  const body = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  const fromKey = parseChunkKey(key);
  const jobId = typeof body.jobId === 'string' && isUUID(body.jobId) ? body.jobId : fromKey?.jobId;
  if (!jobId) return null;
  // The key is what the gateway wrote; a payload that disagrees with it is the broken part.
  const sameJob = fromKey?.jobId === jobId;
  const sheet = (sameJob ? fromKey.sheet : null) ?? index(body.sheet);
  const chunk = (sameJob ? fromKey.chunk : null) ?? index(body.chunk);
  let rowNumbers: number[] | null = null;
  const ns: unknown = body.n;
  if (Array.isArray(ns) && ns.length > 0 && ns.length <= MAX_POINTS_PER_CHUNK) {
    if (ns.every((n): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1)) rowNumbers = ns;
  }
  const datasets = Array.isArray(body.datasetIds) && body.datasetIds.length > 0 ? Math.min(body.datasetIds.length, 100) : 1;
  return { jobId, sheet, chunk, rowNumbers, datasets };
}

/**
 * Outcome of one row's lookup, written to the `상태` column. Only OK is a clean match: SWAPPED
 * (x/y were exchanged and are swapped back), NEAREST (no polygon holds the point; the nearest
 * one within the tolerance answers, with `distanceM`) and PARTIAL (a finer level is empty) have their
 * areas filled in but still count as problem rows.
 */
export enum RowStatus {
  Ok = 'OK',
  NotFound = 'NOT_FOUND',
  Invalid = 'INVALID',
  /** The x and y values were exchanged (EPSG:4326 only); looked up swapped back. */
  Swapped = 'SWAPPED',
  /** In no polygon; matched to the nearest polygon within `RowsChunkEventV2.nearestM` metres. */
  Nearest = 'NEAREST',
  /**
   * Matched, but a level the dataset has is empty for this point: it lies in a coarser area and in none
   * of that area's subdivisions (a gap between two separately drawn layers). The note names the level.
   * 리 never makes a row PARTIAL: 동 areas have no 리.
   */
  Partial = 'PARTIAL',
  /**
   * Not looked up: its chunk kept failing (or could not be read) and went to the dead-letter topic.
   * The note says why; the job still completes with the row among the problem rows.
   */
  Error = 'ERROR',
}

/** Administrative levels, most general first. */
export const ADMIN_LEVELS = ['sido', 'sigungu', 'eupmyeondong', 'ri'] as const;
export type AdminLevel = (typeof ADMIN_LEVELS)[number];

/** Korean level names used in headers and CLI flags. */
export const ADMIN_LEVEL_LABELS: Record<AdminLevel, string> = {
  sido: '시도',
  sigungu: '시군구',
  eupmyeondong: '읍면동',
  ri: '리',
};

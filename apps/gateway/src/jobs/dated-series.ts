import type { JobDatasetVersion } from '@geobatch/job-store';
import { MAX_SERIES_VERSIONS } from '@geobatch/contracts';

/** The dataset facts a dated job needs (DatasetRepository's `Dataset` has them). */
export interface SeriesDataset {
  id: string;
  name: string;
  version: string;
  /** `YYYY-MM-DD`, or null when the import gave none. */
  effectiveDate: string | null;
  ownerKeyId?: string | null;
}

/** The part of DatasetRepository this needs (current generations only for `list`). */
export interface SeriesLookup {
  list(scope?: { visibleTo?: string }): Promise<SeriesDataset[]>;
  findById(id: string, scope?: { visibleTo?: string }): Promise<SeriesDataset | null>;
}

/** A named series cannot be dated; the message is for the caller (a 400). */
export class DatedSeriesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatedSeriesError';
  }
}

export interface DatedSeries {
  /** Per output group: the newest version (what `datasetIds` / `datasetLabels` hold). */
  ids: string[];
  labels: string[];
  /** Per output group: every version, oldest first. */
  versions: JobDatasetVersion[][];
}

/**
 * The timeline of each pinned dataset's series: every current version of the same name the caller
 * may see, ordered by effective date. A version without an effective date has no place on a
 * timeline, and two versions with the same date would make the version in force ambiguous: both
 * are refused rather than guessed (re-import with an effective date, or name another dataset).
 */
export function seriesTimeline(pinned: readonly SeriesDataset[], current: readonly SeriesDataset[]): DatedSeries {
  const out: DatedSeries = { ids: [], labels: [], versions: [] };
  for (const named of pinned) {
    const members = current.filter((d) => d.name === named.name);
    // A superseded generation named by id: its series is still the current versions of its name.
    if (!members.some((d) => d.id === named.id) && !members.some((d) => d.version === named.version)) members.push(named);
    const undated = members.filter((d) => !d.effectiveDate);
    if (undated.length > 0) {
      throw new DatedSeriesError(
        `dateColumn: 경계 데이터셋 "${named.name}"의 버전 ${undated.map((d) => d.version).join(', ')}에 시행일이 없어 날짜별로 고를 수 없습니다 ` +
          `(dataset series "${named.name}" has versions without an effective date: ${undated.map((d) => d.version).join(', ')}; ` +
          'every version of a series needs one for a job with a date column: re-import it with an effective date, or leave dateColumn out)',
      );
    }
    const sorted = [...members].sort((a, b) => a.effectiveDate!.localeCompare(b.effectiveDate!));
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k].effectiveDate === sorted[k - 1].effectiveDate) {
        throw new DatedSeriesError(
          `dateColumn: 경계 데이터셋 "${named.name}"의 버전 ${sorted[k - 1].version}과(와) ${sorted[k].version}의 시행일(${sorted[k].effectiveDate})이 같습니다 ` +
            `(versions ${sorted[k - 1].version} and ${sorted[k].version} of "${named.name}" take effect on the same day, so the version in force is ambiguous)`,
        );
      }
    }
    if (sorted.length > MAX_SERIES_VERSIONS) {
      throw new DatedSeriesError(`dateColumn: "${named.name}" has ${sorted.length} versions; a dated job takes at most ${MAX_SERIES_VERSIONS}`);
    }
    const newest = sorted[sorted.length - 1];
    if (out.ids.includes(newest.id)) throw new DatedSeriesError(`dataset: "${named.name}"이(가) 두 번 있습니다 (series "${named.name}" is named twice)`);
    out.ids.push(newest.id);
    out.labels.push(`${newest.name}@${newest.version}`);
    out.versions.push(sorted.map((d) => ({ id: d.id, version: d.version, effectiveDate: d.effectiveDate! })));
  }
  return out;
}

/** The effective date as `YYYY-MM-DD` (a driver may hand a `date` column over as a Date). */
function dayOf(d: SeriesDataset): SeriesDataset {
  const e = d.effectiveDate as unknown;
  return e instanceof Date ? { ...d, effectiveDate: e.toISOString().slice(0, 10) } : d;
}

/** {@link seriesTimeline} of the datasets a job pinned, read through the caller's scope. */
export async function resolveDatedSeries(lookup: SeriesLookup, pinnedIds: readonly string[], ownerKeyId: string | null): Promise<DatedSeries> {
  const scope = ownerKeyId === null ? {} : { visibleTo: ownerKeyId };
  const pinned: SeriesDataset[] = [];
  for (const id of pinnedIds) {
    const found = await lookup.findById(id, scope);
    if (!found) throw new DatedSeriesError(`dataset: ${id} not found`);
    pinned.push(dayOf(found));
  }
  return seriesTimeline(pinned, (await lookup.list(scope)).map(dayOf));
}

import { MAX_DATE_CHARS, parseRowDate, type SeriesVersionsV1 } from '@geobatch/contracts';

/** Which version of a series answers a row, and what `비고` must say about the choice (null: nothing). */
export interface VersionChoice {
  /** Index into the series' columns (oldest first). */
  index: number;
  note: string | null;
}

/**
 * Index of the version in force on `date` (`YYYY-MM-DD`): the latest effective date on or before it,
 * or -1 when the date is before every version. `effectiveDates` is strictly ascending.
 */
export function versionInForce(effectiveDates: readonly string[], date: string): number {
  let lo = 0;
  let hi = effectiveDates.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (effectiveDates[mid] <= date) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** A row's date text as a note quotes it: trimmed, capped, quotes made harmless. */
function quoted(raw: string): string {
  return `"${raw.trim().slice(0, MAX_DATE_CHARS).replace(/"/g, "'")}"`;
}

/**
 * The version a row is looked up in, from its raw date (see `parseRowDate`): the one in force on
 * that day. A row without a readable date takes the newest version, a date before the earliest
 * version the earliest one; both say so in the note, so no row is silently re-dated.
 */
export function chooseVersion(series: Pick<SeriesVersionsV1, 'versions' | 'effectiveDates'>, raw: string | null | undefined): VersionChoice {
  const newest = series.effectiveDates.length - 1;
  const parsed = parseRowDate(raw);
  if (!parsed.ok) {
    const v = series.versions[newest];
    return {
      index: newest,
      note:
        parsed.reason === 'empty'
          ? `날짜 없음: 최신 경계(${v}) 사용 / no date: newest boundaries (${v}) used`
          : `날짜를 읽을 수 없음 ${quoted(raw ?? '')}: 최신 경계(${v}) 사용 / unreadable date ${quoted(raw ?? '')}: newest boundaries (${v}) used`,
    };
  }
  const k = versionInForce(series.effectiveDates, parsed.date);
  if (k >= 0) return { index: k, note: null };
  const [v, from] = [series.versions[0], series.effectiveDates[0]];
  return {
    index: 0,
    note:
      `날짜 ${parsed.date}이(가) 가장 이른 경계(${v}, ${from} 시행)보다 앞섬: 가장 이른 경계 사용 / ` +
      `date ${parsed.date} is before the earliest boundaries (${v}, in force from ${from}): earliest used`,
  };
}

/**
 * {@link chooseVersion} for every row of one group, computed once per distinct date text (a chunk's
 * rows share few dates), so a 20,000-row chunk costs a few parses, not 20,000.
 */
export function chooseVersions(series: Pick<SeriesVersionsV1, 'versions' | 'effectiveDates'>, dates: readonly (string | null | undefined)[], rows: number): VersionChoice[] {
  const seen = new Map<string | null, VersionChoice>();
  const out: VersionChoice[] = new Array<VersionChoice>(rows);
  for (let i = 0; i < rows; i++) {
    const raw = dates[i] ?? null;
    let choice = seen.get(raw);
    if (choice === undefined) seen.set(raw, (choice = chooseVersion(series, raw)));
    out[i] = choice;
  }
  return out;
}

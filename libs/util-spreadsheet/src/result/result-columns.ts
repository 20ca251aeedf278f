import {
  APPENDED_COLUMNS,
  APPENDED_COLUMNS_EN,
  DISTANCE_COLUMN,
  RowStatus,
  type AreaV1,
  type MatchV1,
  type OutputLang,
  type RowResultV1,
} from '@geobatch/contracts';

export interface ResultColumnsOptions {
  /** Language of the appended headers (and of the extra sheets); Korean by default. */
  lang?: OutputLang;
  /**
   * Appends `거리(m)` after `비고`, filled from `MatchV1.distanceM`. Off until nearest matching
   * exists; the hook is here so that change only has to switch it on.
   */
  distance?: boolean;
}

export interface AppendedColumn {
  title: string;
  /** Column width in Excel character units, fitting typical content. */
  width: number;
  /** Written as a text cell with the text number format (codes). */
  text: boolean;
}

/** Widths of the appended columns, in APPENDED_COLUMNS order. */
const WIDTHS = [14, 14, 12, 10, 40, 10, 12, 14, 14, 11, 40];
/** Codes are identifiers ("1111010100"), never numbers. */
const CODE_COLUMNS = new Set([5, 6, 7, 8]);

export function appendedColumns(options: ResultColumnsOptions = {}): AppendedColumn[] {
  const titles: readonly string[] = options.lang === 'en' ? APPENDED_COLUMNS_EN : APPENDED_COLUMNS;
  const columns = titles.map((title, i) => ({ title, width: WIDTHS[i], text: CODE_COLUMNS.has(i) }));
  if (options.distance) columns.push({ title: DISTANCE_COLUMN[options.lang === 'en' ? 'en' : 'ko'], width: 10, text: false });
  return columns;
}

/** Index of `비고` among the appended columns (where notes, such as a clipped cell, go). */
export const NOTE_COLUMN = APPENDED_COLUMNS.indexOf('비고');

/**
 * The appended values of one row, in column order: names, the joined address, codes, status,
 * note (and distance). Undefined leaves a cell empty. Only the first dataset's match is shown.
 */
export function appendedValues(result: RowResultV1, options: ResultColumnsOptions = {}): (string | number | undefined)[] {
  const match: MatchV1 | undefined = result.matches[0];
  const areas: (AreaV1 | undefined)[] = [match?.sido, match?.sigungu, match?.eupmyeondong, match?.ri];
  const address = areas.map((a) => a?.name ?? '').filter((n) => n !== '').join(' ');
  const values: (string | number | undefined)[] = [
    ...areas.map((a) => a?.name),
    address === '' ? undefined : address,
    ...areas.map((a) => a?.code),
    match?.status,
    match?.note,
  ];
  if (options.distance) values.push(match?.distanceM === undefined ? undefined : Math.round(match.distanceM * 10) / 10);
  return values;
}

/** Status of a row as counted in the summary: OK only when every dataset matched, else the first other status. */
export function rowStatus(result: RowResultV1): string {
  if (result.matches.length === 0) return RowStatus.Invalid;
  const problem = result.matches.find((m) => m.status !== RowStatus.Ok);
  return problem ? problem.status : RowStatus.Ok;
}

/** Why a row is not OK, for `문제 행`: the geocoder's note, else what the status means. */
export function problemReason(result: RowResultV1, lang: OutputLang = 'ko'): string {
  const problem = result.matches.find((m) => m.status !== RowStatus.Ok);
  if (problem?.note) return problem.note;
  const status = problem?.status ?? RowStatus.Invalid;
  if (status === RowStatus.NotFound) return lang === 'en' ? 'outside every boundary of the dataset' : '경계 밖 (어느 경계에도 속하지 않음)';
  if (result.matches.length === 0) return lang === 'en' ? 'no result' : '결과 없음';
  return status;
}

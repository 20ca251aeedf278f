import {
  ADMIN_LEVELS,
  APPENDED_COLUMNS,
  APPENDED_COLUMNS_EN,
  DISTANCE_COLUMN,
  RowStatus,
  VERSION_COLUMN,
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
  /** Jobs with a date column: appends `경계 버전` (the answering version, `MatchV1.version`) to every group, last. */
  version?: boolean;
  /**
   * Labels (`name@version`) of the job's datasets, in the order of `RowResultV1.matches`. With two or
   * more, each dataset gets its own group of appended columns, every title followed by
   * ` [label]`; with one (or none) the columns and titles are those of a single-dataset job.
   */
  datasets?: readonly string[];
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
  const group = titles.map((title, i) => ({ title, width: WIDTHS[i], text: CODE_COLUMNS.has(i) }));
  if (options.distance) group.push({ title: DISTANCE_COLUMN[options.lang === 'en' ? 'en' : 'ko'], width: 10, text: false });
  // Text: a version such as `2020` is a name, not a number.
  if (options.version) group.push({ title: VERSION_COLUMN[options.lang === 'en' ? 'en' : 'ko'], width: 12, text: true });
  const labels = groupLabels(options);
  if (labels.length === 0) return group;
  // The label makes titles wider: widen each column to fit `시도 [kostat@2018]` (Hangul counts twice).
  return labels.flatMap((label) =>
    group.map((c) => {
      const title = `${c.title} [${label}]`;
      return { ...c, title, width: Math.min(40, Math.max(c.width, displayWidth(title) + 2)) };
    }),
  );
}

/** Labels of the column groups when a job has several datasets; empty for one dataset (plain titles). */
function groupLabels(options: ResultColumnsOptions): readonly string[] {
  return options.datasets !== undefined && options.datasets.length > 1 ? options.datasets : [];
}

function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/.test(ch) ? 2 : 1;
  return w;
}

/** Index of `비고` among the appended columns (where notes, such as a clipped cell, go): the first group's. */
export const NOTE_COLUMN = APPENDED_COLUMNS.indexOf('비고');

/**
 * The appended values of one row, in column order: names, the joined address, codes, status,
 * note (and distance), for each dataset group in turn (see `ResultColumnsOptions.datasets`; only
 * the first dataset's match for a single-dataset layout). Undefined leaves a cell empty.
 */
export function appendedValues(result: RowResultV1, options: ResultColumnsOptions = {}): (string | number | undefined)[] {
  const groups = Math.max(1, groupLabels(options).length);
  const values: (string | number | undefined)[] = [];
  // Runs for every row of a job: plain pushes, no intermediate arrays.
  for (let g = 0; g < groups; g++) {
    pushMatchValues(values, result.matches[g], options.distance === true);
    if (options.version) values.push(result.matches[g]?.version);
  }
  return values;
}

function pushMatchValues(values: (string | number | undefined)[], match: MatchV1 | undefined, distance: boolean): void {
  let address = '';
  for (const level of ADMIN_LEVELS) {
    const name = match?.[level]?.name;
    values.push(name);
    if (name) address = address === '' ? name : `${address} ${name}`;
  }
  values.push(address === '' ? undefined : address);
  for (const level of ADMIN_LEVELS) values.push(match?.[level]?.code);
  values.push(match?.status, match?.note);
  if (distance) values.push(match?.distanceM === undefined ? undefined : Math.round(match.distanceM * 10) / 10);
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
  if (status === RowStatus.Error) return lang === 'en' ? 'not processed: its chunk kept failing' : '처리 실패 (청크 처리 중 오류)';
  if (result.matches.length === 0) return lang === 'en' ? 'no result' : '결과 없음';
  return status;
}

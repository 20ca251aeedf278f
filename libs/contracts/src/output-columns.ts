/** Columns appended to every output sheet, in this order (the public interface of the workbook). */
export const APPENDED_COLUMNS = [
  '시도',
  '시군구',
  '읍면동',
  '리',
  '주소',
  '시도코드',
  '시군구코드',
  '읍면동코드',
  '리코드',
  '상태',
  '비고',
] as const;

/** English titles of the appended columns (job option `lang=en`), in the same order. */
export const APPENDED_COLUMNS_EN = [
  'Sido',
  'Sigungu',
  'Eupmyeondong',
  'Ri',
  'Address',
  'SidoCode',
  'SigunguCode',
  'EupmyeondongCode',
  'RiCode',
  'Status',
  'Note',
] as const;

/**
 * Column appended after `비고` when rows are matched to the nearest polygon (a later change);
 * the writers already know how to fill it from `MatchV1.distanceM`.
 */
export const DISTANCE_COLUMN = { ko: '거리(m)', en: 'Distance(m)' } as const;

/**
 * Column appended after `비고` (and `거리(m)`) in every dataset group of a job with a date column:
 * the version of the dataset's series that answered the row (`dataset.version`). Only dated jobs
 * have it, so every other output keeps its layout.
 */
export const VERSION_COLUMN = { ko: '경계 버전', en: 'BoundaryVersion' } as const;

/** Languages of the appended headers and of the `문제 행` / `요약` sheets. */
export const OUTPUT_LANGS = ['ko', 'en'] as const;
export type OutputLang = (typeof OUTPUT_LANGS)[number];

/** Result file formats: an XLSX workbook (default) or a UTF-8 CSV with BOM. */
export const OUTPUT_FORMATS = ['xlsx', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Encodings a CSV upload may be declared in (`auto` detects; `euc-kr` is read as CP949, its superset). */
export const INPUT_ENCODINGS = ['auto', 'utf-8', 'cp949', 'euc-kr', 'utf-16le', 'utf-16be'] as const;
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];

/**
 * How area codes nest. Codes nest by prefix: KOSTAT (2/5/7 digits) and 행정안전부 short codes (2/5/8/10)
 * alike. The official 10-digit 법정동코드 and 행정기관코드 spell every level in 10 digits: digits 1–2 are
 * the 시도, 3–5 the 시군구, 6–8 the 읍면동, 9–10 the 리 (시도 `1100000000`, 시군구 `1111000000`, 읍면동
 * `1111010100`), so such a code nests by its level's prefix.
 */
import type { AdminLevel } from '@geobatch/contracts';

/** Digits of an official 법정동코드 / 행정기관코드. */
export const OFFICIAL_CODE_DIGITS = 10;

/** Significant prefix of each level in a 행정안전부 code: 2 digits of 시도, 5 of 시군구, 8 of 읍면동, 10 of 리. */
export const PARENT_CODE_LENGTH: Readonly<Record<AdminLevel, number>> = { sido: 2, sigungu: 5, eupmyeondong: 8, ri: 10 };

/**
 * 시도 whose official code is not its two digits padded with zeros: 세종특별자치시 has no 시군구 below it,
 * and the 시도 itself is spelled with its one 시군구's digits in both code systems.
 */
const SIDO_CODES: Readonly<Record<string, string>> = { '36': '3611000000' };

const OFFICIAL = /^\d{10}$/;

/** The code as a prefix of its descendants: `1111000000` at 시군구 → `11110`; any code other than 10 digits as it is. */
export function nestingKey(code: string, level: AdminLevel): string {
  return OFFICIAL.test(code) ? code.slice(0, PARENT_CODE_LENGTH[level]) : code;
}

/** The official 10-digit code of the area whose prefix is `prefix` (2, 5 or 8 digits). */
export function officialCodeOf(prefix: string): string {
  return (prefix.length === 2 ? SIDO_CODES[prefix] : undefined) ?? prefix.padEnd(OFFICIAL_CODE_DIGITS, '0');
}

/**
 * The parent's code as its child spells codes: the first `length` characters, as a 10-digit official
 * code when the child's code is one (`1111051500` → 시군구 `1111000000`).
 */
export function parentCodeOf(code: string, length: number): string {
  const prefix = code.slice(0, length);
  return OFFICIAL.test(code) ? officialCodeOf(prefix) : prefix;
}

/** `nestingKey` in SQL, for a row with columns `code` and `level` (the parent links are computed in SQL). */
export const NESTING_KEY_SQL = (code: string, level: string) => `
  CASE WHEN ${code} ~ '^[0-9]{10}$'
       THEN left(${code}, (ARRAY[2, 5, 8, 10])[array_position(ARRAY['sido','sigungu','eupmyeondong','ri']::text[], ${level})])
       ELSE ${code} END`;

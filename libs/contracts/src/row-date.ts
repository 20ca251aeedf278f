/**
 * The date of a row (a job's `dateColumn`, a `POST /geocode` point's `date`), read into a calendar
 * day. Boundaries take effect on a day, so a time of day is checked for sanity and then ignored.
 *
 * Accepted, with or without a time (`HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, after a space or `T`):
 * - a Date (an XLSX date cell), read in UTC as the XLSX reader gives it;
 * - an XLSX number: `YYYYMMDD` as a number (20240422), else an Excel serial day (45404 = 2024-04-22,
 *   1900 date system);
 * - text `YYYYMMDD` (or `YYYYMMDDHHMMSS`), `YYYY-MM-DD`, `YYYY.MM.DD`, `YYYY/MM/DD` (month and day
 *   may have one digit; a trailing `.` is allowed: `2024.4.22.`);
 * - Oracle's `DD-MON-YY` / `DD-MON-YYYY` (`22-APR-24 10:43:00`, month names in English, any case;
 *   a TIMESTAMP's `10.43.00.000000 AM` time too). Two-digit years follow Oracle's `RR` for this
 *   century: 00–69 → 2000–2069, 70–99 → 1970–1999.
 * Text that is a bare number other than 8 digits (e.g. `45404` in a CSV) is refused: without the
 * spreadsheet's cell type nobody can tell a serial from a typo.
 */

/** Longest date text a chunk carries and a note quotes; a longer cell is not a date. */
export const MAX_DATE_CHARS = 40;

export type RowDate = { ok: true; date: string } | { ok: false; reason: 'empty' | 'unreadable' };

const MONTHS: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

/** Optional time of day: ` 10:43`, `T10:43:00`, ` 10:43:00.123`, Oracle's ` 10.43.00.000000 AM`, an optional `Z`. */
const TIME = String.raw`(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d{1,9})?)?(?:\s*([AaPp][Mm]))?Z?)?`;
const ISO_LIKE = new RegExp(String.raw`^(\d{4})([-./])(\d{1,2})\2(\d{1,2})\.?${TIME}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$/;
const ORACLE = new RegExp(String.raw`^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})${TIME}$`);

/** Largest Excel serial day (9999-12-31). */
const MAX_EXCEL_SERIAL = 2_958_465;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** `YYYY-MM-DD` of a real calendar day (years 1000–9999), else null: 2024-02-30 and 2023-02-29 are not days. */
function day(year: number, month: number, dayOfMonth: number): string | null {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysIn(year, month)) return null;
  return `${year}-${pad(month)}-${pad(dayOfMonth)}`;
}

/** A time of day that exists (24-hour, or 1–12 with AM/PM); absent parts are fine. */
function validTime(h?: string, m?: string, s?: string, meridiem?: string): boolean {
  if (h === undefined) return true;
  const hour = Number(h);
  if (meridiem ? hour < 1 || hour > 12 : hour > 23) return false;
  return Number(m) <= 59 && (s === undefined || Number(s) <= 59);
}

/** `YYYY-MM-DD` of a Date, in UTC (how the XLSX reader and Excel store dates). */
function utcDay(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  return day(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function fromNumber(v: number): string | null {
  if (!Number.isFinite(v)) return null;
  if (Number.isInteger(v) && v >= 10_000_000 && v <= 99_999_999) return fromText(String(v));
  // Excel serial day, 1900 system, with its fictitious 1900-02-29: serials from 61 on are offset by one.
  if (v < 61 || v >= MAX_EXCEL_SERIAL + 1) return null;
  return utcDay(new Date(Math.round((Math.floor(v) - 25569) * 86_400_000)));
}

function fromText(raw: string): string | null {
  const t = raw.trim();
  if (t.length > MAX_DATE_CHARS) return null;
  let m = ISO_LIKE.exec(t);
  if (m) return validTime(m[5], m[6], m[7], m[8]) ? day(Number(m[1]), Number(m[3]), Number(m[4])) : null;
  m = COMPACT.exec(t);
  if (m) return validTime(m[4], m[5], m[6]) ? day(Number(m[1]), Number(m[2]), Number(m[3])) : null;
  m = ORACLE.exec(t);
  if (m) {
    const month = MONTHS[m[2].toUpperCase()];
    if (month === undefined || !validTime(m[4], m[5], m[6], m[7])) return null;
    const yy = Number(m[3]);
    const year = m[3].length === 4 ? yy : yy <= 69 ? 2000 + yy : 1900 + yy;
    return day(year, month, Number(m[1]));
  }
  return null;
}

/**
 * The calendar day of a date value (see the module comment for what is accepted), as `YYYY-MM-DD`,
 * or why there is none: `empty` (no value) or `unreadable`. Pure and total: never throws.
 */
export function parseRowDate(value: string | number | boolean | Date | null | undefined): RowDate {
  if (value === null || value === undefined) return { ok: false, reason: 'empty' };
  if (typeof value === 'string' && value.trim() === '') return { ok: false, reason: 'empty' };
  const date = value instanceof Date ? utcDay(value) : typeof value === 'number' ? fromNumber(value) : typeof value === 'string' ? fromText(value) : null;
  return date === null ? { ok: false, reason: 'unreadable' } : { ok: true, date };
}

/**
 * A date cell as the text a rows chunk carries: what the geocoder parses with {@link parseRowDate}.
 * Strings travel as read (so a note can quote them); Dates and XLSX numbers, which only the
 * spreadsheet's cell type makes dates, are turned into `YYYY-MM-DD` here (raw text when they are not
 * a date, so the note shows what was there). Null when the cell is empty.
 */
export function rowDateText(value: string | number | boolean | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value.slice(0, MAX_DATE_CHARS);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  const parsed = parseRowDate(value);
  if (parsed.ok) return parsed.date;
  return (value instanceof Date ? 'invalid date' : String(value)).slice(0, MAX_DATE_CHARS);
}

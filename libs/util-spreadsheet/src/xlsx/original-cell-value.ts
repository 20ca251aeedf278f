/**
 * How a CSV value is written: a number cell when Excel's own CSV import would read it as a
 * number, else the exact string. A number is an optional `+`/`-`, digits with at most one `.`
 * (digits after it; `.5` is fine, `5.` is not), and an optional exponent (`1.5E3`, `2e-4`):
 * so `60`, `35.736320` (trailing zeros), `+127.5`, `-3.5` and `1.5E3` become numbers.
 * Kept as text, where Excel would lose or change what was typed, or where the value is no number:
 * - a leading zero before more digits (`007`, `0123`, `00.5`): codes; Excel would drop the zeros;
 * - more than 15 significant digits (card numbers, long ids): a double keeps 15;
 * - `+` and 8 or more digits without a point or exponent: an international phone number, `+821012345678`;
 * - anything else: `1,000` (a thousands separator: Excel's reading depends on the locale, and in a
 *   `;`-delimited file `1,5` means 1.5), `12가3456`, `010-1234-5678`, `2024-04-22`, `50%`, `NaN`,
 *   `0x1F`, or an exponent beyond what Excel holds (`1e400`).
 * No date conversion. One pass over the characters: this runs for every cell of a CSV.
 * A string is never turned into a formula (exceljs writes only `{ formula }` values as formulas),
 * so `=1+1`, `+82…`, `-cmd`, `@SUM(…)` stay inert text.
 */
export function originalCellValue(raw: string): string | number {
  const shape = numberShape(raw);
  if (!shape) return raw;
  const value = Number(raw);
  // Excel holds magnitudes from about 2.2E-308 to 9.99E+307; beyond, it keeps the text.
  const magnitude = Math.abs(value);
  const underflow = magnitude === 0 ? shape.significant > 0 : magnitude < 1e-307; // `1e-400`
  if (!Number.isFinite(value) || magnitude >= 1e308 || underflow) return raw;
  return value === 0 ? 0 : value; // `-0` reads as 0
}

/**
 * A number format that shows a number cell as it was typed, where General would not: the
 * trailing zeros of a plain decimal (`35.736320` → `0.000000`, `37.50` → `0.00`). Undefined when
 * General already shows the text (or the value stays text). For the writer, beside
 * originalCellValue (see result-original-cells.ts).
 */
export function originalNumberFormat(raw: string): string | undefined {
  if (raw.charCodeAt(raw.length - 1) !== 48) return undefined; // no trailing zero: most cells stop here
  const shape = numberShape(raw);
  if (!shape || shape.exponent || shape.fraction === 0) return undefined;
  if (typeof originalCellValue(raw) !== 'number') return undefined;
  return `0.${'0'.repeat(shape.fraction)}`;
}

interface NumberShape {
  /** Digits after the point. */
  fraction: number;
  exponent: boolean;
  /** Significant digits of the mantissa (0 for a zero). */
  significant: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The parts of `raw` when it is a number as above (range aside), else undefined. */
function numberShape(raw: string): NumberShape | undefined {
  const len = raw.length;
  let i = 0;
  const sign = raw.charCodeAt(0);
  if (sign === 43 || sign === 45) i++; // '+' or '-'
  const intStart = i;
  while (i < len && isDigit(raw.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits > 1 && raw.charCodeAt(intStart) === 48) return undefined; // `007`, `00`
  let fraction = 0;
  if (raw.charCodeAt(i) === 46) {
    i++;
    while (i < len && isDigit(raw.charCodeAt(i))) {
      i++;
      fraction++;
    }
    if (fraction === 0) return undefined; // `5.`, `.`
  }
  if (intDigits + fraction === 0) return undefined; // '', '-', 'e5'
  let exponent = false;
  const e = raw.charCodeAt(i);
  if (e === 69 || e === 101) {
    i++;
    const s = raw.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    const expStart = i;
    while (i < len && isDigit(raw.charCodeAt(i))) i++;
    if (i === expStart || i - expStart > 3) return undefined;
    exponent = true;
  }
  if (i !== len) return undefined;
  const significant = significantDigits(raw, intStart, intDigits, fraction);
  if (significant > 15) return undefined;
  if (sign === 43 && fraction === 0 && !exponent && intDigits >= 8) return undefined; // `+821012345678`
  return { fraction, exponent, significant };
}

/** Digits of the mantissa from the first non-zero one on, trailing zeros included (`0.00120` has 3). */
function significantDigits(raw: string, intStart: number, intDigits: number, fraction: number): number {
  const end = intStart + intDigits + (fraction > 0 ? 1 + fraction : 0);
  let i = intStart;
  while (i < end && (raw.charCodeAt(i) === 48 || raw.charCodeAt(i) === 46)) i++;
  let count = 0;
  for (; i < end; i++) if (raw.charCodeAt(i) !== 46) count++;
  return count;
}

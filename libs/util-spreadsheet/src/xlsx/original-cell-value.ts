/**
 * How a CSV value is written: a number when it is a plain decimal that reads back as the
 * very same text, else the exact string. So `60`, `127.229305` and `-3.5` become numbers, while
 * `007`, `1e5`, `-0` and `37.50` (a number cell would show `37.5`) stay as typed.
 * A plain decimal has no leading zero (`0` and `0.x` are fine), no exponent, `+` or bare `.`, and
 * at most 15 significant digits (a double's exact range), so nothing the user typed is silently
 * changed. One pass over the characters and no number printed back: this runs for every cell of a
 * CSV (a regex per cell cost a second per million rows).
 * A string is never turned into a formula (exceljs writes only `{ formula }` values as formulas),
 * so `=1+1`, `+82…`, `-cmd`, `@SUM(…)` stay inert text.
 */
export function originalCellValue(raw: string): string | number {
  const len = raw.length;
  const sign = raw.charCodeAt(0) === 45 ? 1 : 0; // a leading '-'
  let i = sign;
  const first = raw.charCodeAt(i);
  if (!(first >= 48 && first <= 57)) return raw;
  if (first === 48 && i + 1 < len && raw.charCodeAt(i + 1) !== 46) return raw; // `007`, `00`
  let significant = 0;
  let dot = false;
  for (; i < len; i++) {
    const c = raw.charCodeAt(i);
    if (c === 46) {
      if (dot || i + 1 === len) return raw; // `1.2.3`, `5.`
      dot = true;
    } else if (c >= 48 && c <= 57) {
      if (significant > 0 || c !== 48) significant++;
    } else {
      return raw;
    }
  }
  if (significant > 15) return raw;
  // An integer of at most 15 digits is exact in a double and prints back as typed (but `-0`).
  if (!dot) return significant === 0 && len > 1 ? raw : Number(raw);
  if (raw.charCodeAt(len - 1) === 48) return raw; // `37.50` would read back as `37.5`
  // A decimal of at most 15 significant digits, the last one not 0, is the shortest text of its
  // double (15 digits always round-trip), so it reads back as typed, unless it is below 1e-6,
  // which JavaScript and Excel print with an exponent (`0.0000001` as `1e-7`).
  if (first === 48) {
    let zeros = 0; // after `0.`
    while (raw.charCodeAt(sign + 2 + zeros) === 48) zeros++;
    if (zeros >= 6) return raw;
  }
  return Number(raw);
}

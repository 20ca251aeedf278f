import type { ColumnDetection } from './detect-columns';

export class ColumnResolutionError extends Error {
  /** What detection did find when one column could not be told (a preview shows it). */
  readonly found?: ColumnDetection;

  constructor(message: string, found?: ColumnDetection) {
    super(message);
    if (found) this.found = found;
    this.name = 'ColumnResolutionError';
  }
}

/**
 * Turns a user's column reference into a 0-based index. An exact header name wins over a
 * number (a column may be named "5"), a 1-based number over a letter (a column may be named "X").
 */
export function resolveColumn(header: readonly string[], spec: string, label = 'column'): number {
  const wanted = spec.trim();
  if (wanted === '') throw new ColumnResolutionError(`${label}: 열이 지정되지 않았습니다 (no column given)`);
  const byName = header.findIndex((h) => h.trim() === wanted);
  if (byName !== -1) return byName;
  if (/^\d+$/.test(wanted)) {
    const n = Number(wanted);
    if (n >= 1 && n <= header.length) return n - 1;
    throw new ColumnResolutionError(`${label}: 열 번호 ${n}이(가) 범위를 벗어났습니다 (file has ${header.length} columns)`);
  }
  if (/^[A-Za-z]{1,3}$/.test(wanted)) {
    const idx = [...wanted.toUpperCase()].reduce((acc, ch) => acc * 26 + (ch.charCodeAt(0) - 64), 0) - 1;
    if (idx < header.length) return idx;
  }
  throw new ColumnResolutionError(
    `${label}: 열 "${wanted}"을(를) 찾을 수 없습니다 (no such header; headers: ${header.map((h) => JSON.stringify(h)).join(', ')})`,
  );
}

import { ADMIN_LEVEL_LABELS, type AdminLevel } from '@geobatch/contracts';

/** Columns a string takes in a terminal: Hangul and other wide characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xff60) ? 2 : 1;
  }
  return w;
}

/** A plain text table with a header row. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - displayWidth(c)))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `시도 17, 시군구 250` */
export function describeCounts(counts: Partial<Record<AdminLevel, number>>): string {
  return (Object.entries(counts) as [AdminLevel, number][]).map(([l, n]) => `${ADMIN_LEVEL_LABELS[l]} ${n}`).join(', ');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

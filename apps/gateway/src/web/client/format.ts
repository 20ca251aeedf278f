// Pure helpers: rows per second, time left, and numbers in the page's language.
import { getLang, t } from './i18n';

interface RateSample {
  time: number;
  rows: number;
}

/** Rows per second over a sliding window of observations (time in ms, rows done). */
export class RateMeter {
  private samples: RateSample[] = [];

  constructor(private readonly windowMs = 20_000) {}

  add(time: number, rows: number): void {
    const last = this.samples[this.samples.length - 1];
    // Fewer rows than before means another count (a restart): start over.
    // Nothing done yet (queued): measure from the last moment at zero, not from the upload.
    if ((last && rows < last.rows) || rows === 0) this.samples = [];
    this.samples.push({ time, rows });
    while (this.samples.length > 2 && time - this.samples[1].time >= this.windowMs) this.samples.shift();
  }

  /** Null until two observations some time apart with rows done between them. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (last.time <= first.time) return null;
    // Nothing done across the whole window yet: no rate rather than a misleading 0.
    if (last.rows === first.rows) return null;
    return ((last.rows - first.rows) * 1000) / (last.time - first.time);
  }
}

/** Seconds left at `rate` rows/s, or null when that cannot be told. */
export function etaSeconds(total: number | null, processed: number, rate: number | null): number | null {
  if (typeof total !== 'number' || rate === null || !(rate > 0)) return null;
  return Math.max(0, (total - processed) / rate);
}

export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(getLang() === 'ko' ? 'ko-KR' : 'en-US', { maximumFractionDigits: digits }).format(n);
}

/** `42초` / `42s`, `3분 05초` / `3m 05s`, `1시간 02분` / `1h 02m` */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('duration_s', { s });
  if (s < 3600) return t('duration_ms', { m: Math.floor(s / 60), s: String(s % 60).padStart(2, '0') });
  return t('duration_hm', { h: Math.floor(s / 3600), m: String(Math.floor((s % 3600) / 60)).padStart(2, '0') });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return t('bytes_B', { n: bytes });
  if (bytes < 1024 ** 2) return t('bytes_KB', { n: formatNumber(bytes / 1024, 1) });
  if (bytes < 1024 ** 3) return t('bytes_MB', { n: formatNumber(bytes / 1024 ** 2, 1) });
  return t('bytes_GB', { n: formatNumber(bytes / 1024 ** 3, 2) });
}

export function formatRate(rate: number): string {
  return formatNumber(rate, rate < 10 ? 1 : 0);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(getLang() === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

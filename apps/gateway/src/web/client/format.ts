// Pure helpers: rows per second, time left, and numbers in the page's language.
// The rate window is the CLI's too (libs/contracts/src/progress, its browser-safe entry point).
import { RateWindow, rowsPercent } from '@geobatch/contracts/progress';
import type { JobView } from './api-types';
import { getLang, t } from './i18n';

/** The page's rate: measured from when rows begin to move, so a queued job's wait does not count against it. */
export class RateMeter extends RateWindow {
  constructor(windowMs = 20_000) {
    super({ windowMs, fromFirstProgress: true });
  }
}

export { etaSeconds, rowsPercent } from '@geobatch/contracts/progress';

/** `GET /jobs/:id`'s progress block, as far as the page reads it (api-types.ts has the rest of the view). */
export type WithProgress = JobView & { progress?: { totalEstimated?: boolean; rowsPerSecond?: number | null; etaSeconds?: number | null } | null };

/**
 * The bar and its text. Done counts blank rows, as the total does, so a completed job reads
 * `9 / 9행 (100%)`; the bar is determinate as soon as any total (an estimate too) is known.
 */
export function rowsLine(view: WithProgress): { percent: number | null; text: string; done: number; total: number | null } {
  const rows = view.rows ?? { total: null, processed: 0, blank: 0 };
  const total = typeof rows.total === 'number' ? rows.total : null;
  const completed = view.status === 'completed';
  const done = completed && total !== null ? total : rows.processed + (rows.blank ?? 0);
  const percent = rowsPercent({ total, processed: done }, completed);
  const key = total === null ? 'rowsProgressNoTotal' : view.progress?.totalEstimated ? 'rowsProgressEstimated' : 'rowsProgress';
  const text = t(key, { processed: formatNumber(done), total: formatNumber(total ?? 0), percent: percent ?? 0 });
  return { percent, text, done, total };
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

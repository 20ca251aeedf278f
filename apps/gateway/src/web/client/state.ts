// The page's one mutable state object and the constants its parts share.
import type { Dataset, JobListItem, JobView, PreviewData } from './api-types';
import type { RateMeter } from './format';

export const CRS_CODES = ['EPSG:4326', 'EPSG:5179', 'EPSG:5186', 'EPSG:5181', 'EPSG:5174', 'EPSG:3857', 'EPSG:32652'];
export const ENCODINGS = ['auto', 'utf-8', 'cp949', 'euc-kr', 'utf-16le', 'utf-16be'];
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
export const POLL_MS = 1000;
export const POLL_RETRY_MS = 3000;
export const LANG_STORE = 'geobatch.lang';
export const JOBS_STORE = 'geobatch.jobs';
export const REMEMBERED_JOBS = 50;
export const REFRESHED_JOBS = 20;
/** CSV files above this size are previewed from their first bytes only (an XLSX always whole). */
export const SAMPLE_OVER_BYTES = 8 * 1024 * 1024;
export const SAMPLE_BYTES = 2 * 1024 * 1024;

/** `needKey`: a file waits for the API key to be saved before it is sent. */
export type PreviewPhase = 'idle' | 'needKey' | 'loading' | 'shown' | 'unsupported' | 'error';

export interface PreviewState {
  phase: PreviewPhase;
  data: PreviewData | null;
  error: unknown;
  uploadPercent: number | null;
  sampled: boolean;
  /** Bumped by every new preview, so an answer to an older one is dropped. */
  token: number;
}

export interface Choice {
  /** The header row the person chose (1-based, as text); '' lets the gateway find it. */
  headerRow: string;
  x: string;
  y: string;
  xText: string;
  yText: string;
  sheet: string;
  crs: string;
  dataset: string;
  encoding: string;
  format: string;
  lang: string;
}

/** The job the progress card shows: being uploaded, followed by polling, or finished. */
export interface FollowedJob {
  token: symbol;
  phase: 'uploading' | 'polling' | 'done';
  uploadPercent?: number;
  id: string | null;
  fileName: string;
  view: JobView | null;
  meter: RateMeter;
  reconnecting?: boolean;
  error?: unknown;
  downloading?: boolean;
  downloadError?: unknown;
  downloaded?: string | null;
  /** The cancel button's step: asking to confirm, or the DELETE under way. */
  cancel?: 'confirm' | 'cancelling' | null;
  cancelError?: unknown;
}

export interface JobsState {
  source: 'server' | 'browser' | null;
  items: JobListItem[];
  error: unknown;
  loading: boolean;
  /** No key saved yet: the list is not asked for. */
  needsKey?: boolean;
}

export interface PageState {
  file: File | null;
  preview: PreviewState;
  choice: Choice;
  /** True once the person picked x/y themselves for this file: a new preview then keeps them. */
  columnsTouched: boolean;
  /** True once the person picked a coordinate system: a new preview's suggestion then leaves it. */
  crsTouched: boolean;
  /** null: not listed (yet): see datasetsWait. */
  datasets: Dataset[] | null;
  /** Why there is no list: it needs a saved key, this gateway has no list route, or the list could not be read. */
  datasetsWait: 'key' | 'unsupported' | 'error' | null;
  /** A message of the page's own (a string) or a refused request. */
  optionsError: unknown;
  job: FollowedJob | null;
  jobs: JobsState;
  keyNote: 'refused' | null;
}

export const state: PageState = {
  file: null,
  preview: { phase: 'idle', data: null, error: null, uploadPercent: null, sampled: false, token: 0 },
  choice: { headerRow: '', x: '', y: '', xText: '', yText: '', sheet: '', crs: 'EPSG:4326', dataset: '', encoding: 'auto', format: 'xlsx', lang: 'ko' },
  columnsTouched: false,
  crsTouched: false,
  datasets: null,
  datasetsWait: 'key',
  optionsError: null,
  job: null,
  jobs: { source: null, items: [], error: null, loading: false },
  keyNote: null,
};

/**
 * Why Start cannot be pressed yet ('' when it can): a file, a preview that read it, and both
 * columns chosen (a gateway without a preview takes free text instead).
 */
export function startBlocker(): string {
  if (!state.file) return 'startNeedsFile';
  if (state.job?.phase === 'uploading') return 'startUploading';
  const p = state.preview;
  if (p.phase === 'unsupported') return '';
  if (p.phase === 'needKey') return 'startNeedsKey';
  if (p.phase === 'loading' || p.phase === 'idle') return 'startNeedsPreview';
  if (p.phase !== 'shown' || !p.data) return 'startPreviewFailed';
  const { x, y } = state.choice;
  if (!x || !y) return 'startNeedsColumns';
  if (x === y) return 'sameColumn';
  // A problem of the preview (a column not found) is settled once the person chose both columns.
  if (p.data.problem && !state.columnsTouched) return 'startNeedsColumns';
  return '';
}

/** The preview's data while one is shown, else null (the options then take free text). */
export function shownPreview(): PreviewData | null {
  return state.preview.phase === 'shown' ? state.preview.data : null;
}

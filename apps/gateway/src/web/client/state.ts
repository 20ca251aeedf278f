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

export type PreviewPhase = 'idle' | 'loading' | 'shown' | 'unsupported' | 'error';

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
}

export interface JobsState {
  source: 'server' | 'browser' | null;
  items: JobListItem[];
  error: unknown;
  loading: boolean;
}

export interface PageState {
  file: File | null;
  preview: PreviewState;
  choice: Choice;
  /** True once the person picked x/y themselves for this file: a new preview then keeps them. */
  columnsTouched: boolean;
  /** null: the gateway does not list datasets. */
  datasets: Dataset[] | null;
  /** A message of the page's own (a string) or a refused request. */
  optionsError: unknown;
  job: FollowedJob | null;
  jobs: JobsState;
  keyNote: 'refused' | null;
}

export const state: PageState = {
  file: null,
  preview: { phase: 'idle', data: null, error: null, uploadPercent: null, sampled: false, token: 0 },
  choice: { x: '', y: '', xText: '', yText: '', sheet: '', crs: 'EPSG:4326', dataset: '', encoding: 'auto', format: 'xlsx', lang: 'ko' },
  columnsTouched: false,
  datasets: null,
  optionsError: null,
  job: null,
  jobs: { source: null, items: [], error: null, loading: false },
  keyNote: null,
};

/** The preview's data while one is shown, else null (the options then take free text). */
export function shownPreview(): PreviewData | null {
  return state.preview.phase === 'shown' ? state.preview.data : null;
}

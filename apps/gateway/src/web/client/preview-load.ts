// Step 2, the request: what the gateway reads of the file before any job starts.
import { ApiError, getApiKey, postForm } from './api';
import type { PreviewData } from './api-types';
import { announce } from './dom';
import { noteUnauthorized } from './errors';
import { t } from './i18n';
import { renderOptions } from './options-view';
import { renderPreview } from './preview-view';
import { CRS_CODES, SAMPLE_BYTES, SAMPLE_OVER_BYTES, state } from './state';

interface PreviewPart {
  blob: Blob;
  sampled: boolean;
}

/** The offset just past the last line end of `head` (UTF-16 aware), or -1 without one. */
function lastLineEnd(head: Uint8Array): number {
  const le = head[0] === 0xff && head[1] === 0xfe;
  const be = head[0] === 0xfe && head[1] === 0xff;
  for (let i = head.length - 2; i >= 0; i--) {
    if (le && i % 2 === 0 && head[i] === 0x0a && head[i + 1] === 0x00) return i + 2;
    if (be && i % 2 === 0 && head[i] === 0x00 && head[i + 1] === 0x0a) return i + 2;
    if (!le && !be && head[i] === 0x0a) return i + 1;
  }
  return -1;
}

/**
 * What to send for a preview: the whole file, or for a large CSV its first bytes cut after a
 * line end (an XLSX is a zip whose directory is at the end, so it always goes whole).
 */
async function previewPart(file: File): Promise<PreviewPart> {
  if (file.size <= SAMPLE_OVER_BYTES) return { blob: file, sampled: false };
  const head = new Uint8Array(await file.slice(0, SAMPLE_BYTES).arrayBuffer());
  if (head[0] === 0x50 && head[1] === 0x4b) return { blob: file, sampled: false };
  const cut = lastLineEnd(head);
  if (cut <= 0) return { blob: file, sampled: false };
  return { blob: file.slice(0, cut), sampled: true };
}

function previewForm(blob: Blob, name: string): FormData {
  const form = new FormData();
  if (state.choice.encoding !== 'auto') form.append('encoding', state.choice.encoding);
  if (state.choice.sheet) form.append('sheet', state.choice.sheet);
  if (state.choice.headerRow) form.append('headerRow', state.choice.headerRow);
  form.append('file', blob, name);
  return form;
}

function showPreview(data: PreviewData, sampled: boolean): void {
  const p = state.preview;
  p.phase = 'shown';
  p.data = data;
  p.sampled = sampled;
  if (!state.columnsTouched) {
    state.choice.x = data.x ? String(data.x.number) : '';
    state.choice.y = data.y ? String(data.y.number) : '';
  }
  // The suggested system is chosen for the person until they choose one themselves.
  if (!state.crsTouched) state.choice.crs = data.crs && CRS_CODES.includes(data.crs) ? data.crs : 'EPSG:4326';
  announce(t('announcePreview', { sheet: data.sheet.name, x: data.x?.letter ?? '?', y: data.y?.letter ?? '?' }));
}

function showPreviewFailure(e: unknown): void {
  const p = state.preview;
  p.data = null;
  if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
    p.phase = 'unsupported';
  } else {
    p.phase = 'error';
    p.error = e;
    noteUnauthorized(e);
  }
}

export async function loadPreview({ whole = false }: { whole?: boolean } = {}): Promise<void> {
  const file = state.file;
  if (!file) return;
  const token = ++state.preview.token;
  const p = state.preview;
  if (!getApiKey()) {
    // Nothing is sent without a key: the file waits, and saving the key reads it.
    p.phase = 'needKey';
    p.data = null;
    renderPreview();
    return renderOptions();
  }
  p.phase = 'loading';
  p.error = null;
  p.uploadPercent = null;
  renderPreview();
  const { blob, sampled } = whole ? { blob: file, sampled: false } : await previewPart(file);
  try {
    const data = await postForm<PreviewData>('jobs/preview', previewForm(blob, file.name), (sent, total) => {
      if (token !== state.preview.token || total < 512 * 1024) return;
      p.uploadPercent = Math.floor((sent / total) * 100);
      renderPreview();
    });
    if (token !== state.preview.token) return;
    showPreview(data, sampled);
  } catch (e) {
    if (token !== state.preview.token) return;
    // A cut that the gateway could not read (a quoted line end, say): send the whole file.
    if (sampled && e instanceof ApiError && e.status === 400) return loadPreview({ whole: true });
    showPreviewFailure(e);
  }
  renderPreview();
  renderOptions();
}

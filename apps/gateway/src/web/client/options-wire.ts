// Step 3, the controls: each change updates the choice (and the preview when it reads the file anew).
import { ApiError, getApiKey, getJson, itemsOf } from './api';
import type { Dataset } from './api-types';
import { $ } from './dom';
import { noteUnauthorized } from './errors';
import { startJob } from './job-start';
import { renderOptions } from './options-view';
import { loadPreview } from './preview-load';
import { renderPreview } from './preview-view';
import { state } from './state';

function onChange(id: string, fn: (value: string) => void): void {
  $(id).addEventListener('change', (ev) => fn((ev.target as HTMLSelectElement).value));
}

function onInput(id: string, fn: (value: string) => void): void {
  $(id).addEventListener('input', (ev) => fn((ev.target as HTMLInputElement).value));
}

function pickColumn(axis: 'x' | 'y', value: string): void {
  state.choice[axis] = value;
  state.columnsTouched = true;
  renderOptions();
  renderPreview();
}

export function wireOptions(): void {
  onChange('x-select', (v) => pickColumn('x', v));
  onChange('y-select', (v) => pickColumn('y', v));
  onInput('x-text', (v) => (state.choice.xText = v));
  onInput('y-text', (v) => (state.choice.yText = v));
  onChange('sheet-select', (v) => {
    state.choice.sheet = v;
    state.choice.headerRow = '';
    state.columnsTouched = false;
    void loadPreview();
  });
  onChange('encoding-select', (v) => {
    state.choice.encoding = v;
    void loadPreview();
  });
  onChange('crs-select', (v) => {
    state.choice.crs = v;
    state.crsTouched = true;
    renderOptions();
  });
  onChange('dataset-select', (v) => (state.choice.dataset = v));
  onInput('dataset-text', (v) => (state.choice.dataset = v));
  onChange('format-select', (v) => (state.choice.format = v));
  onChange('outlang-select', (v) => (state.choice.lang = v));
  $('job-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void startJob();
  });
}

/** The datasets the key may use; asked only once a key is saved (the list needs one). */
export async function loadDatasets(): Promise<void> {
  if (!getApiKey()) {
    state.datasets = null;
    state.datasetsWait = 'key';
    return renderOptions();
  }
  try {
    const items = itemsOf<Dataset>(await getJson<unknown>('datasets'));
    state.datasets = items ?? null;
    state.datasetsWait = items ? null : 'unsupported';
  } catch (e) {
    state.datasets = null;
    const status = e instanceof ApiError ? e.status : 0;
    state.datasetsWait = status === 404 || status === 405 ? 'unsupported' : status === 401 || status === 403 ? 'key' : 'error';
    noteUnauthorized(e);
  }
  renderOptions();
}

// The Geobatch page: pick a file, check the preview, choose columns and options, start a job,
// follow it and download the result. Server text only ever reaches the page as text nodes
// (textContent / append of strings), never as HTML.
import { ApiError, downloadResult, getApiKey, getJson, itemsOf, postForm, setApiKey } from './api.js';
import { RateMeter, etaSeconds, formatBytes, formatDateTime, formatDuration, formatNumber, formatRate } from './format.js';
import { LANGS, applyStatic, getLang, setLang, t } from './i18n.js';

const CRS_CODES = ['EPSG:4326', 'EPSG:5179', 'EPSG:5186', 'EPSG:5181', 'EPSG:5174', 'EPSG:3857', 'EPSG:32652'];
const ENCODINGS = ['auto', 'utf-8', 'cp949', 'euc-kr', 'utf-16le', 'utf-16be'];
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const POLL_MS = 1000;
const POLL_RETRY_MS = 3000;
const LANG_STORE = 'geobatch.lang';
const JOBS_STORE = 'geobatch.jobs';
const REMEMBERED_JOBS = 50;
const REFRESHED_JOBS = 20;
/** CSV files above this size are previewed from their first bytes only (an XLSX always whole). */
const SAMPLE_OVER_BYTES = 8 * 1024 * 1024;
const SAMPLE_BYTES = 2 * 1024 * 1024;

const $ = (id) => document.getElementById(id);

/** `h('p', { class: 'x' }, 'text', child)`: an element; strings become text nodes. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'key') el.dataset.key = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Replaces a container's content, keeping focus on the element with the same `data-key`. */
function rebuild(container, ...nodes) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : undefined;
  container.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage disabled: the page still works, it just forgets.
  }
}

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// State

const state = {
  /** @type {File | null} */
  file: null,
  preview: {
    /** idle | loading | shown | unsupported | error */
    phase: 'idle',
    data: null,
    error: null,
    uploadPercent: null,
    sampled: false,
    token: 0,
  },
  choice: { x: '', y: '', xText: '', yText: '', sheet: '', crs: 'EPSG:4326', dataset: '', encoding: 'auto', format: 'xlsx', lang: 'ko' },
  /** True once the person picked x/y themselves for this file: a new preview then keeps them. */
  columnsTouched: false,
  /** @type {Array<object> | null} null: the gateway does not list datasets. */
  datasets: null,
  optionsError: null,
  job: null,
  jobs: { source: null, items: [], error: null, loading: false },
  keyNote: null,
};

// ---------------------------------------------------------------------------------------------
// Announcements (screen readers) and errors

function announce(text) {
  const region = $('announce');
  region.textContent = '';
  // A fresh text node after a tick is announced even when the text repeats.
  setTimeout(() => (region.textContent = text), 50);
}

function errorBox(err, { title, key } = {}) {
  const e = err instanceof ApiError ? err : new ApiError({ status: 0, message: err instanceof Error ? err.message : String(err) });
  const message = e.network ? t('errorNetwork', { reason: e.message }) : e.message || t('errorNotJson');
  const meta = [];
  if (!e.network) meta.push(h('span', {}, t('errorHttp', { status: e.status }), e.error ? ` ${e.error}` : ''));
  if (e.method && e.path) meta.push(h('span', {}, `${e.method} /${e.path.replace(/^\//, '')}`));
  if (e.requestId) meta.push(h('span', {}, t('errorRequestId', { id: '' }).trim(), ' ', h('code', { class: 'request-id' }, e.requestId)));
  return h(
    'div',
    // Focusable from script only, so a failed action can move the keyboard to its explanation.
    { class: 'error', role: 'alert', tabindex: '-1', key },
    title ? h('p', { class: 'error-title' }, title) : null,
    h('p', { class: 'error-message' }, message),
    meta.length ? h('p', { class: 'error-meta' }, meta.flatMap((m, i) => (i ? [' · ', m] : [m]))) : null,
    e.unauthorized ? h('p', { class: 'error-hint' }, t('keyRefused')) : null,
  );
}

function noteUnauthorized(err) {
  if (err instanceof ApiError && err.unauthorized) {
    state.keyNote = 'refused';
    renderKey();
  }
}

// ---------------------------------------------------------------------------------------------
// API key

function renderKey() {
  const saved = getApiKey();
  const note = $('key-state');
  note.classList.toggle('warn', state.keyNote === 'refused');
  note.textContent = state.keyNote === 'refused' ? t('keyRefused') : saved ? t('keySaved') : t('keyNone');
  const toggle = $('key-toggle');
  const shown = $('api-key').type === 'text';
  toggle.textContent = shown ? t('keyHide') : t('keyShow');
  toggle.setAttribute('aria-pressed', String(shown));
}

function wireKey() {
  const input = $('api-key');
  input.value = getApiKey();
  $('key-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    setApiKey(input.value.trim());
    input.value = input.value.trim();
    state.keyNote = null;
    renderKey();
    announce(input.value ? t('keyStored') : t('keyRemoved'));
    void loadDatasets();
    void loadJobs();
  });
  $('key-clear').addEventListener('click', () => {
    input.value = '';
    setApiKey('');
    state.keyNote = null;
    renderKey();
    announce(t('keyRemoved'));
    input.focus();
  });
  $('key-toggle').addEventListener('click', () => {
    input.type = input.type === 'password' ? 'text' : 'password';
    renderKey();
  });
}

// ---------------------------------------------------------------------------------------------
// File

function chooseFile(file) {
  if (!file) return;
  state.file = file;
  state.columnsTouched = false;
  state.choice.x = '';
  state.choice.y = '';
  state.choice.sheet = '';
  state.choice.encoding = 'auto';
  state.optionsError = null;
  renderFile();
  renderOptions();
  void loadPreview();
}

function renderFile() {
  const name = $('file-name');
  const zone = $('drop-zone');
  if (state.file) {
    name.hidden = false;
    name.textContent = t('fileChosen', { name: state.file.name, size: formatBytes(state.file.size) });
    $('drop-title').textContent = t('dropChange');
    zone.classList.add('has-file');
  } else {
    name.hidden = true;
    name.textContent = '';
    $('drop-title').textContent = t('dropTitle');
    zone.classList.remove('has-file');
  }
}

function wireFile() {
  const input = $('file-input');
  const zone = $('drop-zone');
  zone.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    chooseFile(input.files?.[0] ?? null);
    input.value = '';
  });
  // A file dropped anywhere on the page is taken; the zone lights up while one is dragged over.
  let depth = 0;
  const hasFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes('Files');
  window.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    depth++;
    zone.classList.add('dragging');
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('dragging');
  });
  window.addEventListener('dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    chooseFile(ev.dataTransfer.files?.[0] ?? null);
  });
}

// ---------------------------------------------------------------------------------------------
// Preview

/**
 * What to send for a preview: the whole file, or for a large CSV its first bytes cut after a
 * line end (an XLSX is a zip whose directory is at the end, so it always goes whole).
 */
async function previewPart(file) {
  if (file.size <= SAMPLE_OVER_BYTES) return { blob: file, sampled: false };
  const head = new Uint8Array(await file.slice(0, SAMPLE_BYTES).arrayBuffer());
  if (head[0] === 0x50 && head[1] === 0x4b) return { blob: file, sampled: false };
  const le = head[0] === 0xff && head[1] === 0xfe;
  const be = head[0] === 0xfe && head[1] === 0xff;
  let cut = -1;
  for (let i = head.length - 2; i >= 0 && cut < 0; i--) {
    if (le && i % 2 === 0 && head[i] === 0x0a && head[i + 1] === 0x00) cut = i + 2;
    else if (be && i % 2 === 0 && head[i] === 0x00 && head[i + 1] === 0x0a) cut = i + 2;
    else if (!le && !be && head[i] === 0x0a) cut = i + 1;
  }
  if (cut <= 0) return { blob: file, sampled: false };
  return { blob: file.slice(0, cut), sampled: true };
}

async function loadPreview({ whole = false } = {}) {
  const file = state.file;
  if (!file) return;
  const token = ++state.preview.token;
  const p = state.preview;
  p.phase = 'loading';
  p.error = null;
  p.uploadPercent = null;
  renderPreview();
  const { blob, sampled } = whole ? { blob: file, sampled: false } : await previewPart(file);
  const form = new FormData();
  if (state.choice.encoding !== 'auto') form.append('encoding', state.choice.encoding);
  if (state.choice.sheet) form.append('sheet', state.choice.sheet);
  form.append('file', blob, file.name);
  try {
    const data = await postForm('jobs/preview', form, (sent, total) => {
      if (token !== state.preview.token || total < 512 * 1024) return;
      p.uploadPercent = Math.floor((sent / total) * 100);
      renderPreview();
    });
    if (token !== state.preview.token) return;
    p.phase = 'shown';
    p.data = data;
    p.sampled = sampled;
    if (!state.columnsTouched) {
      state.choice.x = data.x ? String(data.x.number) : '';
      state.choice.y = data.y ? String(data.y.number) : '';
    }
    announce(t('announcePreview', { sheet: data.sheet.name, x: data.x?.letter ?? '?', y: data.y?.letter ?? '?' }));
  } catch (e) {
    if (token !== state.preview.token) return;
    if (sampled && e instanceof ApiError && e.status === 400) return loadPreview({ whole: true });
    p.data = null;
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      p.phase = 'unsupported';
    } else {
      p.phase = 'error';
      p.error = e;
      noteUnauthorized(e);
    }
  }
  renderPreview();
  renderOptions();
}

function delimiterName(d) {
  return { '\t': t('delimiterTab'), ',': t('delimiterComma'), ';': t('delimiterSemicolon'), '|': t('delimiterPipe') }[d] ?? JSON.stringify(d);
}

function cellText(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function previewTable(data) {
  const x = Number(state.choice.x) || null;
  const y = Number(state.choice.y) || null;
  const width = Math.max(data.header.length, ...data.rows.map((r) => r.length));
  const colClass = (n) => (n === x ? 'col-x' : n === y ? 'col-y' : undefined);
  const caption = t('previewRowsCaption', { sheet: data.sheet.name, n: data.rows.length });
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col', class: 'rownum' }, '#'),
    Array.from({ length: width }, (_, i) => {
      const n = i + 1;
      const name = data.header[i] ?? '';
      return h(
        'th',
        { scope: 'col', class: colClass(n) },
        h('span', { class: 'col-letter' }, columnLetter(i)),
        h('span', { class: name ? 'col-name' : 'col-name empty' }, name || t('previewNoHeader')),
        n === x ? h('span', { class: 'badge badge-x' }, 'x') : null,
        n === y ? h('span', { class: 'badge badge-y' }, 'y') : null,
      );
    }),
  );
  const body = data.rows.map((row, r) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row', class: 'rownum' }, String(r + 1)),
      Array.from({ length: width }, (_, i) => h('td', { class: colClass(i + 1) }, cellText(row[i]))),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption, key: 'preview-table' },
    h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, body)),
    data.rows.length === 0 ? h('p', { class: 'hint' }, t('previewNoRows')) : null,
  );
}

function columnLetter(index) {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function renderPreview() {
  const p = state.preview;
  const box = $('preview');
  $('preview-card').setAttribute('aria-busy', String(p.phase === 'loading'));
  if (p.phase === 'idle') return rebuild(box, h('p', { class: 'empty' }, t('previewEmpty')));
  if (p.phase === 'loading') {
    const text = p.uploadPercent !== null && p.uploadPercent < 100 ? t('previewUploading', { percent: p.uploadPercent }) : t('previewLoading');
    return rebuild(box, h('p', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text));
  }
  if (p.phase === 'unsupported') return rebuild(box, h('p', { class: 'notice' }, t('previewUnsupported')));
  if (p.phase === 'error') return rebuild(box, errorBox(p.error));
  const d = p.data;
  const meta = [[t('previewKind'), String(d.kind ?? '').toUpperCase()]];
  if (d.kind === 'csv') {
    meta.push([t('previewEncoding'), d.encoding ?? '—']);
    meta.push([t('previewDelimiter'), d.delimiter ? delimiterName(d.delimiter) : '—']);
  }
  meta.push([t('previewSheet'), d.sheets.length > 1 ? `${d.sheet.index} / ${d.sheets.length} · ${d.sheet.name}` : d.sheet.name]);
  meta.push([t('previewCrs'), d.crs === 'unknown' ? t('previewCrsUnknown') : d.crs]);
  rebuild(
    box,
    h(
      'dl',
      { class: 'meta' },
      meta.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
    d.problem ? h('p', { class: 'notice warn' }, d.problem) : null,
    p.sampled ? h('p', { class: 'hint' }, t('previewSampled')) : null,
    previewTable(d),
  );
}

// ---------------------------------------------------------------------------------------------
// Options

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([v, label]) => h('option', { value: v }, label)));
  select.value = options.some(([v]) => v === value) ? value : (options[0]?.[0] ?? '');
}

function columnNote(ref, value) {
  if (!ref || String(ref.number) !== value) return '';
  const by = { header: t('byHeader'), values: t('byValues'), given: t('byGiven') }[ref.by] ?? ref.by;
  return t('columnSuggested', { by });
}

function datasetLabel(d) {
  const levels = Array.isArray(d.levels) ? d.levels.join('·') : '';
  return t('datasetOption', { name: d.name, version: d.version ?? '', levels });
}

function renderOptions() {
  const data = state.preview.phase === 'shown' ? state.preview.data : null;
  const c = state.choice;
  const free = !data;
  $('x-select-field').hidden = free;
  $('y-select-field').hidden = free;
  $('x-text-field').hidden = !free;
  $('y-text-field').hidden = !free;
  if (data) {
    const columns = [['', t('columnAuto')]].concat(
      data.header.map((name, i) => [String(i + 1), t('columnOption', { letter: columnLetter(i), number: i + 1, name: name || t('previewNoHeader') })]),
    );
    fillSelect($('x-select'), columns, c.x);
    fillSelect($('y-select'), columns, c.y);
    $('x-note').textContent = columnNote(data.x, c.x);
    $('y-note').textContent = columnNote(data.y, c.y);
  }
  $('x-text').value = c.xText;
  $('y-text').value = c.yText;

  const sheets = data?.sheets ?? [];
  $('sheet-field').hidden = sheets.length < 2;
  fillSelect(
    $('sheet-select'),
    [['', t('sheetAll')]].concat(sheets.map((s) => [String(s.index), t(s.hidden ? 'sheetHidden' : 'sheetOption', { index: s.index, name: s.name })])),
    c.sheet,
  );

  fillSelect($('crs-select'), CRS_CODES.map((code) => [code, t(`crs_${code.slice(5)}`)]), c.crs);
  $('crs-note').textContent = data?.crs === 'unknown' ? t('previewCrsUnknown') : '';

  const datasets = state.datasets;
  $('dataset-select-field').hidden = datasets === null;
  $('dataset-text-field').hidden = datasets !== null;
  if (datasets !== null) {
    const def = datasets.find((d) => d.isDefault);
    const first = [['', def ? t('datasetDefaultNamed', { label: `${def.name}@${def.version}` }) : t('datasetDefault')]];
    fillSelect(
      $('dataset-select'),
      first.concat(datasets.map((d) => [String(d.name), d.isDefault ? t('datasetIsDefault', { label: datasetLabel(d) }) : datasetLabel(d)])),
      c.dataset,
    );
  } else {
    $('dataset-text').value = c.dataset;
  }

  $('encoding-field').hidden = data?.kind === 'xlsx';
  fillSelect($('encoding-select'), ENCODINGS.map((e) => [e, e === 'auto' ? t('encodingAuto') : e.toUpperCase()]), c.encoding);
  fillSelect($('format-select'), [['xlsx', t('formatXlsx')], ['csv', t('formatCsv')]], c.format);
  fillSelect($('outlang-select'), [['ko', t('outLangKo')], ['en', t('outLangEn')]], c.lang);

  const busy = state.job?.phase === 'uploading';
  const start = $('start');
  start.disabled = !state.file || busy;
  start.title = state.file ? '' : t('startNeedsFile');
  rebuild($('options-error'), state.optionsError ? (typeof state.optionsError === 'string' ? h('p', { class: 'error', role: 'alert', tabindex: '-1' }, state.optionsError) : errorBox(state.optionsError)) : []);
}

function wireOptions() {
  const on = (id, fn) => $(id).addEventListener('change', (ev) => fn(ev.target.value));
  on('x-select', (v) => {
    state.choice.x = v;
    state.columnsTouched = true;
    renderOptions();
    renderPreview();
  });
  on('y-select', (v) => {
    state.choice.y = v;
    state.columnsTouched = true;
    renderOptions();
    renderPreview();
  });
  $('x-text').addEventListener('input', (ev) => (state.choice.xText = ev.target.value));
  $('y-text').addEventListener('input', (ev) => (state.choice.yText = ev.target.value));
  on('sheet-select', (v) => {
    state.choice.sheet = v;
    state.columnsTouched = false;
    void loadPreview();
  });
  on('encoding-select', (v) => {
    state.choice.encoding = v;
    void loadPreview();
  });
  on('crs-select', (v) => (state.choice.crs = v));
  on('dataset-select', (v) => (state.choice.dataset = v));
  $('dataset-text').addEventListener('input', (ev) => (state.choice.dataset = ev.target.value));
  on('format-select', (v) => (state.choice.format = v));
  on('outlang-select', (v) => (state.choice.lang = v));
  $('job-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void startJob();
  });
}

async function loadDatasets() {
  try {
    const items = itemsOf(await getJson('datasets'));
    state.datasets = items ?? null;
  } catch (e) {
    state.datasets = null;
    noteUnauthorized(e);
  }
  renderOptions();
}

// ---------------------------------------------------------------------------------------------
// Jobs: start, follow, download

function rememberJob(entry) {
  const list = rememberedJobs().filter((j) => j.id !== entry.id);
  list.unshift(entry);
  store(JOBS_STORE, JSON.stringify(list.slice(0, REMEMBERED_JOBS)));
}

function forgetJob(id) {
  store(JOBS_STORE, JSON.stringify(rememberedJobs().filter((j) => j.id !== id)));
}

function rememberedJobs() {
  try {
    const list = JSON.parse(stored(JOBS_STORE) ?? '[]');
    return Array.isArray(list) ? list.filter((j) => typeof j?.id === 'string') : [];
  } catch {
    return [];
  }
}

function jobFields() {
  const c = state.choice;
  const data = state.preview.phase === 'shown' ? state.preview.data : null;
  const x = (data ? c.x : c.xText).trim();
  const y = (data ? c.y : c.yText).trim();
  if (x && x === y) throw new Error(t('sameColumn'));
  const fields = [];
  if (x) fields.push(['x', x]);
  if (y) fields.push(['y', y]);
  if (c.sheet) fields.push(['sheet', c.sheet]);
  if (c.dataset.trim()) fields.push(['dataset', c.dataset.trim()]);
  // Defaults are left out, so a gateway that predates an option still accepts the form.
  if (c.crs !== 'EPSG:4326') fields.push(['crs', c.crs]);
  if (c.encoding !== 'auto' && data?.kind !== 'xlsx') fields.push(['encoding', c.encoding]);
  if (c.format !== 'xlsx') fields.push(['format', c.format]);
  if (c.lang !== 'ko') fields.push(['lang', c.lang]);
  return fields;
}

async function startJob() {
  const file = state.file;
  if (!file || state.job?.phase === 'uploading') return;
  let fields;
  try {
    fields = jobFields();
  } catch (e) {
    state.optionsError = e.message;
    renderOptions();
    $('options-error').querySelector('.error')?.focus();
    return;
  }
  state.optionsError = null;
  const form = new FormData();
  // Text fields first: the gateway knows the options before the file arrives.
  for (const [k, v] of fields) form.append(k, v);
  form.append('file', file, file.name);
  const job = { token: Symbol('job'), phase: 'uploading', uploadPercent: 0, id: null, fileName: file.name, view: null, meter: new RateMeter() };
  state.job = job;
  renderOptions();
  renderProgress();
  $('progress-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  try {
    const created = await postForm('jobs', form, (sent, total) => {
      job.uploadPercent = Math.floor((sent / total) * 100);
      renderProgress();
    });
    job.id = created.id;
    job.phase = 'polling';
    job.view = { id: created.id, status: created.status, rows: { total: null, processed: 0, ok: 0, problems: 0, blank: 0 }, fileName: file.name };
    rememberJob({ id: created.id, fileName: file.name, createdAt: new Date().toISOString() });
    announce(t('announceStarted'));
    renderOptions();
    renderProgress();
    $('progress-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    void loadJobs();
    void follow(job);
  } catch (e) {
    if (state.job === job) state.job = null;
    state.optionsError = e;
    noteUnauthorized(e);
    renderOptions();
    renderProgress();
    $('options-error').querySelector('.error')?.focus();
  }
}

/** Follows a job already on the server (from the list). */
function followExisting(id, fileName) {
  const job = { token: Symbol('job'), phase: 'polling', id, fileName, view: null, meter: new RateMeter() };
  state.job = job;
  renderProgress();
  $('progress-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  void follow(job);
}

async function follow(job) {
  let lastMilestone = -1;
  while (state.job === job) {
    let wait = POLL_MS;
    try {
      const view = await getJson(`jobs/${encodeURIComponent(job.id)}`);
      if (state.job !== job) return;
      const before = job.view?.status;
      job.view = view;
      job.reconnecting = false;
      job.meter.add(Date.now(), view.rows?.processed ?? 0);
      syncJobInList(view);
      const total = view.rows?.total;
      if (typeof total === 'number' && total > 0 && view.status === 'running') {
        const milestone = Math.floor(((view.rows.processed / total) * 100) / 25) * 25;
        if (milestone > lastMilestone && milestone > 0 && milestone < 100) announce(t('announcePercent', { percent: milestone }));
        lastMilestone = Math.max(lastMilestone, milestone);
      }
      if (TERMINAL.has(view.status)) {
        job.phase = 'done';
        renderProgress();
        if (before !== view.status) {
          announce(view.status === 'completed' ? t('announceDone') : view.status === 'failed' ? t('announceFailed') : t('jobCancelled'));
        }
        void loadJobs();
        return;
      }
    } catch (e) {
      if (state.job !== job) return;
      if (e instanceof ApiError && (e.network || e.status >= 500 || e.status === 429)) {
        job.reconnecting = true;
        wait = POLL_RETRY_MS;
      } else {
        job.phase = 'done';
        job.error = e;
        noteUnauthorized(e);
        renderProgress();
        return;
      }
    }
    renderProgress();
    await sleep(wait);
  }
}

async function download(id, fileName, where) {
  const job = state.job?.id === id ? state.job : null;
  if (job) {
    job.downloading = true;
    job.downloadError = null;
    job.downloaded = null;
    renderProgress();
  }
  try {
    const fallback = `${fileName.replace(/\.[^.]*$/, '')}_result.xlsx`;
    const name = await downloadResult(id, fallback);
    if (job) job.downloaded = name;
    announce(t('downloaded', { name }));
  } catch (e) {
    noteUnauthorized(e);
    if (job) job.downloadError = e;
    else if (where) where.replaceWith(errorBox(e));
  } finally {
    if (job) {
      job.downloading = false;
      renderProgress();
    }
  }
}

function statusBadge(status) {
  const known = ['queued', 'running', 'completed', 'failed', 'cancelled', 'expired'].includes(status);
  return h('span', { class: `status status-${known ? status : 'unknown'}` }, t(known ? `status_${status}` : 'status_unknown'));
}

function progressBar(percent, label) {
  const bar = h('div', {
    class: percent === null ? 'bar indeterminate' : 'bar',
    role: 'progressbar',
    'aria-labelledby': 'progress-title',
    'aria-valuemin': '0',
    'aria-valuemax': '100',
    'aria-valuenow': percent === null ? null : String(percent),
    'aria-valuetext': label,
  });
  const fill = h('div', { class: 'fill' });
  // CSSOM, not a style attribute: allowed under the page's content security policy.
  if (percent !== null) fill.style.width = `${percent}%`;
  bar.append(fill);
  return bar;
}

function renderProgress() {
  const box = $('progress');
  const job = state.job;
  if (!job) return rebuild(box, h('p', { class: 'empty' }, t('progressIdle')));
  if (job.phase === 'uploading') {
    const done = job.uploadPercent >= 100;
    const text = done ? t('uploadingDone') : t('uploading', { percent: job.uploadPercent });
    return rebuild(
      box,
      h('p', { class: 'job-file' }, job.fileName),
      progressBar(done ? null : job.uploadPercent, text),
      h('p', { class: 'stats' }, text),
    );
  }
  const view = job.view;
  const nodes = [
    h('div', { class: 'job-head' }, h('span', { class: 'job-file' }, view?.fileName ?? job.fileName ?? ''), view ? statusBadge(view.status) : null),
    h('p', { class: 'job-id' }, t('jobLabel', { id: '' }).trim(), ' ', h('code', {}, job.id)),
  ];
  if (view) {
    const rows = view.rows ?? { total: null, processed: 0, ok: 0, problems: 0, blank: 0 };
    const total = typeof rows.total === 'number' ? rows.total : null;
    const done = view.status === 'completed';
    const percent = total ? Math.min(100, Math.floor((rows.processed / total) * 100)) : done ? 100 : total === 0 ? 100 : null;
    const rowsText =
      total !== null
        ? t('rowsProgress', { processed: formatNumber(rows.processed), total: formatNumber(total), percent: percent ?? 0 })
        : t('rowsProgressNoTotal', { processed: formatNumber(rows.processed) });
    nodes.push(progressBar(view.status === 'queued' && !rows.processed ? null : percent, rowsText));
    const stats = [rowsText];
    if (!TERMINAL.has(view.status)) {
      const rate = typeof view.rowsPerSecond === 'number' ? view.rowsPerSecond : job.meter.rate();
      const eta = typeof view.etaSeconds === 'number' ? view.etaSeconds : etaSeconds(total, rows.processed, rate);
      if (rate !== null) stats.push(t('rate', { rate: formatRate(rate) }));
      if (eta !== null) stats.push(t('eta', { eta: formatDuration(eta) }));
    } else if (view.createdAt && view.finishedAt) {
      const seconds = (Date.parse(view.finishedAt) - Date.parse(view.createdAt)) / 1000;
      if (seconds >= 0) {
        stats.push(t('elapsed', { elapsed: formatDuration(seconds) }));
        if (total && seconds > 0) stats.push(t('rate', { rate: formatRate(total / seconds) }));
      }
    }
    nodes.push(h('p', { class: 'stats' }, stats.join(' · ')));
    nodes.push(h('p', { class: 'counts' }, t('counts', { ok: formatNumber(rows.ok ?? 0), problems: formatNumber(rows.problems ?? 0), blank: formatNumber(rows.blank ?? 0) })));
    if (view.status === 'completed') {
      nodes.push(
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'primary', key: 'download', disabled: job.downloading, onclick: () => download(job.id, view.fileName ?? job.fileName ?? 'result') }, job.downloading ? t('downloading') : t('download')),
          h('button', { type: 'button', class: 'ghost', key: 'new-job', onclick: resetForNewFile }, t('newJob')),
        ),
      );
      if (job.downloaded) nodes.push(h('p', { class: 'ok-note' }, t('downloaded', { name: job.downloaded })));
      if (job.downloadError) nodes.push(errorBox(job.downloadError));
    } else if (view.status === 'failed') {
      nodes.push(h('div', { class: 'error', role: 'alert' }, h('p', { class: 'error-title' }, t('jobFailed')), h('p', { class: 'error-message' }, view.error ?? '')));
    } else if (view.status === 'cancelled') {
      nodes.push(h('p', { class: 'notice' }, t('jobCancelled'), view.error ? ` ${view.error}` : ''));
    }
  }
  if (job.reconnecting) nodes.push(h('p', { class: 'notice warn' }, t('reconnecting')));
  if (job.error) nodes.push(errorBox(job.error));
  rebuild(box, nodes);
}

function resetForNewFile() {
  state.file = null;
  state.preview.phase = 'idle';
  state.preview.data = null;
  state.preview.token++;
  state.columnsTouched = false;
  Object.assign(state.choice, { x: '', y: '', xText: '', yText: '', sheet: '', encoding: 'auto' });
  state.job = null;
  renderAll();
  $('drop-zone').focus();
}

// ---------------------------------------------------------------------------------------------
// Recent jobs

async function loadJobs() {
  const jobs = state.jobs;
  jobs.loading = true;
  renderJobs();
  try {
    const items = itemsOf(await getJson('jobs'));
    if (!items) throw new ApiError({ status: 200, message: t('errorNotJson'), method: 'GET', path: 'jobs' });
    jobs.source = 'server';
    jobs.items = items;
    jobs.error = null;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      jobs.source = 'browser';
      jobs.error = null;
      const remembered = rememberedJobs().slice(0, REFRESHED_JOBS);
      jobs.items = await Promise.all(
        remembered.map(async (j) => {
          try {
            return await getJson(`jobs/${encodeURIComponent(j.id)}`);
          } catch (err) {
            return { id: j.id, fileName: j.fileName, createdAt: j.createdAt, status: null, missing: err instanceof ApiError && err.status === 404, unreadable: err };
          }
        }),
      );
    } else {
      jobs.error = e;
      noteUnauthorized(e);
    }
  }
  jobs.loading = false;
  renderJobs();
}

/** The followed job's latest view replaces its (older) row in the recent-jobs list. */
function syncJobInList(view) {
  const items = state.jobs.items;
  const i = items.findIndex((j) => j.id === view.id);
  if (i < 0) return;
  items[i] = { ...items[i], ...view, missing: false, unreadable: null };
  renderJobs();
}

function renderJobs() {
  const jobs = state.jobs;
  $('jobs-source').textContent = jobs.source === 'server' ? t('jobsFromServer') : jobs.source === 'browser' ? t('jobsFromBrowser') : '';
  $('jobs-refresh').disabled = jobs.loading;
  const box = $('jobs');
  if (jobs.error) return rebuild(box, errorBox(jobs.error));
  if (jobs.items.length === 0) return rebuild(box, h('p', { class: 'empty' }, jobs.loading ? '…' : t('jobsEmpty')));
  const rows = jobs.items.map((j) => {
    const rows = j.rows;
    const status = j.missing
      ? h('span', { class: 'status status-unknown' }, t('jobGone'))
      : j.unreadable
        ? h('span', { class: 'status status-unknown' }, t('jobUnreadable'))
        : statusBadge(j.status);
    const actions = [];
    if (j.status && !j.missing) {
      actions.push(h('button', { type: 'button', class: 'ghost small', key: `follow-${j.id}`, onclick: () => followExisting(j.id, j.fileName) }, t('jobShow')));
    }
    if (j.status === 'completed') {
      const button = h('button', { type: 'button', class: 'small', key: `download-${j.id}` }, t('download'));
      button.addEventListener('click', () => download(j.id, j.fileName ?? 'result', button));
      actions.push(button);
    }
    if (jobs.source === 'browser') {
      actions.push(
        h('button', {
          type: 'button',
          class: 'ghost small',
          key: `forget-${j.id}`,
          onclick: () => {
            forgetJob(j.id);
            jobs.items = jobs.items.filter((x) => x.id !== j.id);
            renderJobs();
          },
        }, t('jobForget')),
      );
    }
    return h(
      'tr',
      {},
      h('td', {}, h('span', { class: 'job-file' }, j.fileName ?? ''), h('br'), h('code', { class: 'job-id' }, j.id)),
      h('td', {}, status, j.status === 'failed' && j.error ? h('p', { class: 'job-error' }, j.error) : null),
      h('td', { class: 'num' }, rows ? `${formatNumber(rows.processed ?? 0)} / ${rows.total === null || rows.total === undefined ? '?' : formatNumber(rows.total)}` : ''),
      h('td', {}, j.createdAt ? formatDateTime(j.createdAt) : ''),
      h('td', { class: 'actions' }, actions),
    );
  });
  rebuild(
    box,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'jobs-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, t('colFile')),
            h('th', { scope: 'col' }, t('colStatus')),
            h('th', { scope: 'col', class: 'num' }, t('colRows')),
            h('th', { scope: 'col' }, t('colCreated')),
            h('th', { scope: 'col' }, t('colActions')),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Language and start-up

function renderAll() {
  document.documentElement.lang = getLang();
  document.title = t('pageTitle');
  applyStatic(document);
  const toggle = $('lang-toggle');
  toggle.lang = getLang() === 'ko' ? 'en' : 'ko';
  renderKey();
  renderFile();
  renderPreview();
  renderOptions();
  renderProgress();
  renderJobs();
}

function wireLang() {
  $('lang-toggle').addEventListener('click', () => {
    const next = LANGS[(LANGS.indexOf(getLang()) + 1) % LANGS.length];
    setLang(next);
    store(LANG_STORE, next);
    renderAll();
  });
}

function main() {
  setLang(stored(LANG_STORE) ?? 'ko');
  wireKey();
  wireFile();
  wireOptions();
  wireLang();
  $('jobs-refresh').addEventListener('click', () => void loadJobs());
  renderAll();
  void loadDatasets();
  void loadJobs();
}

main();

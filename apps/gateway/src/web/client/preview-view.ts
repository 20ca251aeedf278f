// Step 2, the view: what the gateway read (kind, encoding, sheet, CRS) and the first rows.
import type { PreviewData } from './api-types';
import { $, h, rebuild } from './dom';
import { errorBox, isKeyProblem, keyPrompt, plainServerText } from './errors';
import { crsText } from './crs-note';
import { headerRowControl, resetHeaderRow } from './header-row-view';
import { t } from './i18n';
import { state } from './state';

function delimiterName(d: string): string {
  const names: Record<string, string> = { '\t': t('delimiterTab'), ',': t('delimiterComma'), ';': t('delimiterSemicolon'), '|': t('delimiterPipe') };
  return names[d] ?? JSON.stringify(d);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `A`, `B`, …, `Z`, `AA`: the spreadsheet name of the column at `index` (0-based). */
export function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function previewTable(data: PreviewData): HTMLDivElement {
  const x = Number(state.choice.x) || null;
  const y = Number(state.choice.y) || null;
  const width = Math.max(data.header.length, ...data.rows.map((r) => r.length));
  const colClass = (n: number) => (n === x ? 'col-x' : n === y ? 'col-y' : undefined);
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

function previewMeta(d: PreviewData): HTMLElement {
  const meta: [string, string | undefined][] = [[t('previewKind'), String(d.kind ?? '').toUpperCase()]];
  if (d.kind === 'csv') {
    meta.push([t('previewEncoding'), d.encoding ?? '—']);
    meta.push([t('previewDelimiter'), d.delimiter ? delimiterName(d.delimiter) : '—']);
  }
  meta.push([t('previewSheet'), d.sheets.length > 1 ? `${d.sheet.index} / ${d.sheets.length} · ${d.sheet.name}` : d.sheet.name]);
  meta.push([t('previewCrs'), crsText(d.crs)]);
  return h(
    'dl',
    { class: 'meta' },
    meta.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
  );
}

/** Why a column was not suggested, in plain words, with the gateway's own message under 자세히. */
function problemNotice(problem: string): HTMLDivElement {
  return h(
    'div',
    { class: 'notice warn preview-problem' },
    h('p', {}, t('previewProblem', { reason: plainServerText(problem) ?? problem })),
    h('details', { class: 'error-details' }, h('summary', {}, t('details')), h('p', { class: 'error-raw-text' }, problem)),
  );
}

export function renderPreview(): void {
  const p = state.preview;
  const box = $('preview');
  $('preview-card').setAttribute('aria-busy', String(p.phase === 'loading'));
  if (p.phase === 'idle') return rebuild(box, h('p', { class: 'empty' }, t('previewEmpty')));
  if (p.phase === 'needKey') return rebuild(box, keyPrompt());
  if (p.phase === 'loading') {
    const text = p.uploadPercent !== null && p.uploadPercent < 100 ? t('previewUploading', { percent: p.uploadPercent }) : t('previewLoading');
    return rebuild(box, h('p', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text));
  }
  if (p.phase === 'unsupported') return rebuild(box, h('p', { class: 'notice' }, t('previewUnsupported')));
  if (p.phase === 'error' || !p.data) {
    if (isKeyProblem(p.error)) return rebuild(box, keyPrompt(p.error));
    // A header row the person chose can be the cause: one press goes back to the one found.
    const undo = state.choice.headerRow ? h('button', { type: 'button', class: 'ghost small', key: 'header-row-reset', onclick: resetHeaderRow }, t('headerRowReset')) : null;
    return rebuild(box, errorBox(p.error, { title: t('previewFailed') }), undo);
  }
  const d = p.data;
  rebuild(
    box,
    previewMeta(d),
    headerRowControl(d),
    d.problem ? problemNotice(d.problem) : null,
    p.sampled ? h('p', { class: 'hint' }, t('previewSampled')) : null,
    previewTable(d),
  );
}

// Step 3, the view: columns, sheet, coordinate system, dataset and the output options.
import type { ColumnRef, Dataset, PreviewData } from './api-types';
import { $, h, rebuild } from './dom';
import { crsHint } from './crs-note';
import { errorBox, isKeyProblem, keyPrompt } from './errors';
import { t } from './i18n';
import { columnLetter } from './preview-view';
import { CRS_CODES, ENCODINGS, shownPreview, startBlocker, state } from './state';

type Option = [value: string, label: string];

function fillSelect(select: HTMLSelectElement, options: Option[], value: string): void {
  select.replaceChildren(...options.map(([v, label]) => h('option', { value: v }, label)));
  select.value = options.some(([v]) => v === value) ? value : (options[0]?.[0] ?? '');
}

function columnNote(ref: ColumnRef | null, value: string): string {
  if (!ref || String(ref.number) !== value) return '';
  const names: Record<string, string> = { header: t('byHeader'), values: t('byValues'), given: t('byGiven') };
  return t('columnSuggested', { by: names[ref.by] ?? ref.by });
}

function datasetLabel(d: Dataset): string {
  const levels = Array.isArray(d.levels) ? d.levels.join('·') : '';
  return t('datasetOption', { name: d.name, version: d.version ?? '', levels });
}

/** x/y as lists of the preview's columns, or as free text when there is no preview. */
function renderColumns(data: PreviewData | null): void {
  const c = state.choice;
  const free = !data;
  $('x-select-field').hidden = free;
  $('y-select-field').hidden = free;
  $('x-text-field').hidden = !free;
  $('y-text-field').hidden = !free;
  if (data) {
    const columns: Option[] = [['', t('columnAuto')] as Option].concat(
      data.header.map((name, i): Option => [String(i + 1), t('columnOption', { letter: columnLetter(i), number: i + 1, name: name || t('previewNoHeader') })]),
    );
    fillSelect($('x-select'), columns, c.x);
    fillSelect($('y-select'), columns, c.y);
    $('x-note').textContent = columnNote(data.x, c.x);
    $('y-note').textContent = columnNote(data.y, c.y);
  }
  $<HTMLInputElement>('x-text').value = c.xText;
  $<HTMLInputElement>('y-text').value = c.yText;
}

function renderSheets(data: PreviewData | null): void {
  const sheets = data?.sheets ?? [];
  $('sheet-field').hidden = sheets.length < 2;
  fillSelect(
    $('sheet-select'),
    [['', t('sheetAll')] as Option].concat(sheets.map((s): Option => [String(s.index), t(s.hidden ? 'sheetHidden' : 'sheetOption', { index: s.index, name: s.name })])),
    state.choice.sheet,
  );
}

/**
 * A list of the gateway's datasets; until a key is saved only the default (the list comes with
 * the key), and free text only when the gateway has no list at all.
 */
function renderDatasets(): void {
  const datasets = state.datasets;
  const free = datasets === null && state.datasetsWait === 'unsupported';
  $('dataset-select-field').hidden = free;
  $('dataset-text-field').hidden = !free;
  const wait = datasets === null ? state.datasetsWait : null;
  $('dataset-note').textContent = wait === 'key' ? t('datasetNeedsKey') : wait === 'error' ? t('datasetListFailed') : '';
  if (free) {
    $<HTMLInputElement>('dataset-text').value = state.choice.dataset;
    return;
  }
  const list = datasets ?? [];
  const def = list.find((d) => d.isDefault);
  const first: Option[] = [['', def ? t('datasetDefaultNamed', { label: `${def.name}@${def.version}` }) : t('datasetDefault')]];
  fillSelect(
    $('dataset-select'),
    first.concat(list.map((d): Option => [String(d.name), d.isDefault ? t('datasetIsDefault', { label: datasetLabel(d) }) : datasetLabel(d)])),
    state.choice.dataset,
  );
}

function renderStart(): void {
  const start = $<HTMLButtonElement>('start');
  const blocker = startBlocker();
  start.disabled = blocker !== '';
  start.title = blocker ? t(blocker) : '';
  $('start-hint').textContent = blocker && blocker !== 'startUploading' ? t(blocker) : '';
  const error = state.optionsError;
  const shown = !error
    ? []
    : typeof error === 'string'
      ? h('p', { class: 'error', role: 'alert', tabindex: '-1' }, error)
      : isKeyProblem(error)
        ? keyPrompt(error)
        : errorBox(error, { title: t('startFailed') });
  rebuild($('options-error'), shown);
}

export function renderOptions(): void {
  const data = shownPreview();
  const c = state.choice;
  renderColumns(data);
  renderSheets(data);
  fillSelect($('crs-select'), CRS_CODES.map((code): Option => [code, t(`crs_${code.slice(5)}`)]), c.crs);
  $('crs-note').textContent = crsHint(c.crs, data?.crs);
  renderDatasets();
  $('encoding-field').hidden = data?.kind === 'xlsx';
  fillSelect($('encoding-select'), ENCODINGS.map((e): Option => [e, e === 'auto' ? t('encodingAuto') : e.toUpperCase()]), c.encoding);
  fillSelect($('format-select'), [['xlsx', t('formatXlsx')], ['csv', t('formatCsv')]], c.format);
  fillSelect($('outlang-select'), [['ko', t('outLangKo')], ['en', t('outLangEn')]], c.lang);
  renderStart();
}

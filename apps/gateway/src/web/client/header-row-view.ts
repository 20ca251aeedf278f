// The header row the preview took, and the control that moves it: the rows above it (a title
// block) and the header row in a list, and any row number for one further down.
import type { PreviewData } from './api-types';
import { h } from './dom';
import { t } from './i18n';
import { loadPreview } from './preview-load';
import { state } from './state';

const LABEL_CHARS = 48;

/** A row as a short line of text: its non-empty cells, or that it is blank. */
function rowLabel(cells: readonly string[]): string {
  const text = cells.map((c) => String(c ?? '').trim()).filter((c) => c !== '').join(' · ');
  if (!text) return t('headerRowBlank');
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

/** Reads the file again with `row` as its header; the x/y choices then come from that row's columns. */
function chooseHeaderRow(row: string): void {
  const n = Number(row);
  if (!Number.isInteger(n) || n < 1) return;
  state.choice.headerRow = String(n);
  state.columnsTouched = false;
  state.choice.x = '';
  state.choice.y = '';
  void loadPreview();
}

/** Back to the header row the gateway finds. */
export function resetHeaderRow(): void {
  state.choice.headerRow = '';
  state.columnsTouched = false;
  void loadPreview();
}

export function headerRowControl(d: PreviewData): HTMLElement | null {
  const row = d.headerRow ?? 0;
  if (row < 1) return null;
  const above = d.above ?? [];
  const options = Array.from({ length: row }, (_, i) => {
    const n = i + 1;
    const label = n === row ? rowLabel(d.header) : rowLabel(above[i] ?? []);
    return h('option', { value: String(n), selected: n === row }, t(n === row ? 'headerRowIsHeader' : 'headerRowOption', { n, text: label }));
  });
  const how = state.choice.headerRow ? t('headerRowGiven', { n: row }) : t('headerRowFound', { n: row });
  return h(
    'div',
    { class: 'header-row' },
    h('p', { class: 'header-row-note', id: 'header-row-note' }, how),
    h(
      'div',
      { class: 'header-row-controls' },
      h('label', { for: 'header-row-select' }, t('headerRowLabel')),
      h('select', { id: 'header-row-select', key: 'header-row-select', 'aria-describedby': 'header-row-note', onchange: (ev: Event) => chooseHeaderRow((ev.target as HTMLSelectElement).value) }, options),
      h('label', { for: 'header-row-input' }, t('headerRowOther')),
      h('input', {
        id: 'header-row-input',
        key: 'header-row-input',
        type: 'number',
        min: '1',
        inputmode: 'numeric',
        placeholder: String(row + 1),
        onchange: (ev: Event) => chooseHeaderRow((ev.target as HTMLInputElement).value),
      }),
    ),
  );
}

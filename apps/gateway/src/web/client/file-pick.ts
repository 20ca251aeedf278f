// Step 1: the file, picked with the button or dropped anywhere on the page.
import { $ } from './dom';
import { formatBytes } from './format';
import { t } from './i18n';
import { renderOptions } from './options-view';
import { loadPreview } from './preview-load';
import { state } from './state';

function chooseFile(file: File | null): void {
  if (!file) return;
  state.file = file;
  state.columnsTouched = false;
  state.crsTouched = false;
  state.choice.headerRow = '';
  state.choice.x = '';
  state.choice.y = '';
  state.choice.sheet = '';
  state.choice.encoding = 'auto';
  state.optionsError = null;
  renderFile();
  renderOptions();
  void loadPreview();
}

export function renderFile(): void {
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

/** A file dropped anywhere on the page is taken; the zone lights up while one is dragged over. */
function wireDrop(zone: HTMLElement): void {
  let depth = 0;
  const hasFiles = (ev: DragEvent) => [...(ev.dataTransfer?.types ?? [])].includes('Files');
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
    if (!hasFiles(ev) || !ev.dataTransfer) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    chooseFile(ev.dataTransfer?.files?.[0] ?? null);
  });
}

export function wireFile(): void {
  const input = $<HTMLInputElement>('file-input');
  const zone = $('drop-zone');
  zone.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    chooseFile(input.files?.[0] ?? null);
    input.value = '';
  });
  wireDrop(zone);
}

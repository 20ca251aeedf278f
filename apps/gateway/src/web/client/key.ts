// The API key field: kept in the browser, sent with every request.
import { getApiKey, setApiKey } from './api';
import { $, announce } from './dom';
import { isKeyProblem } from './errors';
import { t } from './i18n';
import { loadJobs } from './jobs-list';
import { loadDatasets } from './options-wire';
import { loadPreview } from './preview-load';
import { state } from './state';

export function renderKey(): void {
  const saved = getApiKey();
  const note = $('key-state');
  // Without a key yet, being asked for one is the next step, not a fault: only a refused key warns.
  const refused = state.keyNote === 'refused' && saved !== '';
  note.classList.toggle('warn', refused);
  note.textContent = refused ? t('keyRefused') : saved ? t('keySaved') : t('keyNone');
  const toggle = $('key-toggle');
  const shown = $<HTMLInputElement>('api-key').type === 'text';
  toggle.textContent = shown ? t('keyHide') : t('keyShow');
  toggle.setAttribute('aria-pressed', String(shown));
}

export function wireKey(): void {
  const input = $<HTMLInputElement>('api-key');
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
    // A file that waited for the key is read now.
    const p = state.preview;
    if (state.file && (p.phase === 'needKey' || (p.phase === 'error' && isKeyProblem(p.error)))) void loadPreview();
  });
  $('key-clear').addEventListener('click', () => {
    input.value = '';
    setApiKey('');
    state.keyNote = null;
    renderKey();
    announce(t('keyRemoved'));
    void loadDatasets();
    void loadJobs();
    input.focus();
  });
  $('key-toggle').addEventListener('click', () => {
    input.type = input.type === 'password' ? 'text' : 'password';
    renderKey();
  });
}

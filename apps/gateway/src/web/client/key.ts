// The API key field: kept in the browser, sent with every request.
import { getApiKey, setApiKey } from './api';
import { $, announce } from './dom';
import { t } from './i18n';
import { loadJobs } from './jobs-list';
import { loadDatasets } from './options-wire';
import { state } from './state';

export function renderKey(): void {
  const saved = getApiKey();
  const note = $('key-state');
  note.classList.toggle('warn', state.keyNote === 'refused');
  note.textContent = state.keyNote === 'refused' ? t('keyRefused') : saved ? t('keySaved') : t('keyNone');
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

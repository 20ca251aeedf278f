// The Geobatch page: pick a file, check the preview, choose columns and options, start a job,
// follow it and download the result. Server text only ever reaches the page as text nodes
// (textContent / append of strings), never as HTML. esbuild bundles this entry into app.js.
import { $, store, stored } from './dom';
import { wireFile } from './file-pick';
import { wireCancel } from './job-cancel';
import { LANGS, getLang, setLang } from './i18n';
import { loadJobs } from './jobs-list';
import { wireKey } from './key';
import { loadDatasets, wireOptions } from './options-wire';
import { renderAll } from './render-all';
import { LANG_STORE } from './state';

function wireLang(): void {
  $('lang-toggle').addEventListener('click', () => {
    const next = LANGS[(LANGS.indexOf(getLang()) + 1) % LANGS.length];
    setLang(next);
    store(LANG_STORE, next);
    renderAll();
  });
}

function main(): void {
  setLang(stored(LANG_STORE) ?? 'ko');
  wireKey();
  wireFile();
  wireOptions();
  wireLang();
  wireCancel();
  $('jobs-refresh').addEventListener('click', () => void loadJobs());
  renderAll();
  void loadDatasets();
  void loadJobs();
}

main();

// The whole page drawn again: at start-up, on a language switch and for a new file.
import { $ } from './dom';
import { renderFile } from './file-pick';
import { applyStatic, getLang, t } from './i18n';
import { renderJobs } from './jobs-list';
import { renderKey } from './key';
import { renderOptions } from './options-view';
import { renderPreview } from './preview-view';
import { renderProgress } from './progress-view';
import { renderResultMap } from './result-map';

export function renderAll(): void {
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
  renderResultMap();
}

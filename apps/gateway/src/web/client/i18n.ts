// Every string the page shows, in Korean (the default) and English. `{name}` marks a value.
// Server messages are never translated: they are shown as the gateway sent them.
import { MESSAGES_EN } from './messages-en';
import { MESSAGES_KO } from './messages-ko';

export type Lang = 'ko' | 'en';

export const LANGS: readonly Lang[] = ['ko', 'en'];

export const MESSAGES: Record<Lang, Record<string, string>> = { ko: MESSAGES_KO, en: MESSAGES_EN };

export type MessageVars = Record<string, string | number>;

let current: Lang = 'ko';

export function getLang(): Lang {
  return current;
}

export function setLang(lang: string): Lang {
  current = (LANGS as readonly string[]).includes(lang) ? (lang as Lang) : 'ko';
  return current;
}

/** The text of `key` in the current language with `{name}` replaced; the key itself when missing. */
export function t(key: string, vars: MessageVars = {}): string {
  const text = MESSAGES[current][key] ?? MESSAGES.ko[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Fills every `data-i18n*` element under `root` from the dictionary. */
export function applyStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n ?? '');
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder ?? '');
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel ?? ''));
}

// Small DOM helpers. Text only ever reaches the page as text nodes, never as HTML.

export type Child = Node | string | number | null | undefined | false | readonly Child[];
export type Props = Record<string, unknown>;

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** Nested children flattened, the empty ones (null, undefined, false) dropped. */
function flatten(children: readonly Child[], out: (Node | string)[] = []): (Node | string)[] {
  for (const c of children) {
    if (Array.isArray(c)) flatten(c as readonly Child[], out);
    else if (c !== null && c !== undefined && c !== false) out.push(c instanceof Node ? c : String(c));
  }
  return out;
}

/** `h('p', { class: 'x' }, 'text', child)`: an element; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'key') el.dataset.key = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...flatten(children));
  return el;
}

/** Replaces a container's content, keeping focus on the element with the same `data-key`. */
export function rebuild(container: HTMLElement, ...nodes: Child[]): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active && container.contains(active) ? active.dataset.key : undefined;
  container.replaceChildren(...flatten(nodes));
  if (key) container.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

export function store(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage disabled: the page still works, it just forgets.
  }
}

export function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tells screen readers (the page's live region). */
export function announce(text: string): void {
  const region = $('announce');
  region.textContent = '';
  // A fresh text node after a tick is announced even when the text repeats.
  setTimeout(() => (region.textContent = text), 50);
}

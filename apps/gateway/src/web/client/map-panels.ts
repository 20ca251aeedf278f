// Beside the result map: the legend, the problem rows (each a button that shows its point) and the
// rows per 시도 / 시군구. Built from text nodes only (dom.ts), never markup.
import { type Child, h } from './dom';
import { formatNumber } from './format';
import { t } from './i18n';
import { GROUP_COLOURS, STATUS_GROUPS, groupCounts, problemIndexes, sortAreaRows, statusGroup, type AreaSortKey, type JobPoints, type MapAreaRows } from './map-data';

/** Problem rows listed; the map still shows every one it has. */
export const LISTED_PROBLEMS = 300;
/** 시군구 rows in the table. */
export const LISTED_SIGUNGU = 10;

export interface PanelState {
  selected: number | null;
  sort: Record<'sido' | 'sigungu', AreaSortKey>;
}

function swatch(colour: string): HTMLSpanElement {
  const s = h('span', { class: 'map-swatch', 'aria-hidden': 'true' });
  // CSSOM, not a style attribute: allowed under the page's content security policy.
  s.style.background = colour;
  return s;
}

export function legendView(data: JobPoints): Child {
  const counts = groupCounts(data);
  const shown = data.points.n.length;
  return h(
    'div',
    { class: 'map-legend' },
    h('ul', { class: 'map-groups' }, STATUS_GROUPS.map((g) => h('li', {}, swatch(GROUP_COLOURS[g]), t(`mapGroup_${g}`), ' ', h('strong', {}, formatNumber(counts[g]))))),
    h('p', { class: 'hint' }, data.sampled ? t('mapSampled', { shown: formatNumber(shown), total: formatNumber(data.rows) }) : t('mapAll', { shown: formatNumber(shown) }), ' · ', t('mapOutlines', { dataset: data.dataset })),
  );
}

function problemItem(data: JobPoints, i: number, state: PanelState, onPick: (i: number) => void): HTMLLIElement {
  const p = data.points;
  const placed = p.lat[i] !== null && p.lon[i] !== null;
  const sheet = data.sheets.length > 1 ? `${data.sheets[p.sheet[i]] ?? ''} · ` : '';
  const area = p.sigungu[i] >= 0 ? data.areas[p.sigungu[i]]?.name : p.sido[i] >= 0 ? data.areas[p.sido[i]]?.name : null;
  return h(
    'li',
    {},
    h(
      'button',
      { type: 'button', class: `map-problem${state.selected === i ? ' selected' : ''}`, key: `problem-${i}`, 'data-index': String(i), 'aria-pressed': state.selected === i ? 'true' : 'false', disabled: !placed, onclick: () => onPick(i) },
      h('span', { class: 'map-problem-head' }, swatch(GROUP_COLOURS[statusGroup(p.status[i])]), `${sheet}${t('mapRow', { n: p.n[i] })}`, ' ', h('code', {}, p.status[i]), area ? ` · ${area}` : ''),
      h('span', { class: 'map-problem-note' }, p.note[i] ?? ''),
      placed ? null : h('span', { class: 'map-problem-note' }, t('mapNoPosition')),
    ),
  );
}

export function problemsView(data: JobPoints, state: PanelState, onPick: (i: number) => void): Child {
  const all = problemIndexes(data.points);
  const listed = all.slice(0, LISTED_PROBLEMS);
  return h(
    'section',
    { class: 'map-problems', 'aria-labelledby': 'map-problems-title' },
    h('h3', { id: 'map-problems-title' }, t('mapProblemsTitle', { n: formatNumber(data.problems) })),
    all.length === 0 ? h('p', { class: 'empty' }, t('mapNoProblems')) : h('ol', { class: 'map-problem-list' }, listed.map((i) => problemItem(data, i, state, onPick))),
    data.problems > listed.length ? h('p', { class: 'hint' }, t('mapProblemsMore', { n: formatNumber(data.problems - listed.length) })) : null,
  );
}

function sortButton(level: 'sido' | 'sigungu', key: AreaSortKey, label: string, state: PanelState, onSort: () => void): HTMLTableCellElement {
  const active = state.sort[level] === key;
  return h(
    'th',
    { scope: 'col', 'aria-sort': active ? (key === 'name' ? 'ascending' : 'descending') : 'none' },
    h('button', { type: 'button', class: 'map-sort', key: `sort-${level}-${key}`, onclick: () => ((state.sort[level] = key), onSort()) }, label, active ? (key === 'name' ? ' ▲' : ' ▼') : ''),
  );
}

function areaTable(level: 'sido' | 'sigungu', rows: readonly MapAreaRows[], state: PanelState, onSort: () => void, limit: number): HTMLTableElement {
  const sorted = sortAreaRows(rows, state.sort[level]).slice(0, limit);
  const name = (r: MapAreaRows) => (r.name === null ? t('mapOutside') : level === 'sigungu' && r.parent ? `${r.parent} ${r.name}` : r.name);
  return h(
    'table',
    { class: `map-areas map-areas-${level}` },
    h('caption', {}, t(level === 'sido' ? 'mapSidoTitle' : 'mapSigunguTitle', { n: limit })),
    h('thead', {}, h('tr', {}, sortButton(level, 'name', t(level === 'sido' ? 'mapColSido' : 'mapColSigungu'), state, onSort), sortButton(level, 'rows', t('mapColRows'), state, onSort), sortButton(level, 'problems', t('mapColProblems'), state, onSort))),
    h('tbody', {}, sorted.map((r) => h('tr', {}, h('th', { scope: 'row' }, name(r)), h('td', {}, formatNumber(r.rows)), h('td', {}, formatNumber(r.problems))))),
  );
}

export function areasView(data: JobPoints, state: PanelState, onSort: () => void): Child {
  return h(
    'section',
    { class: 'map-tables' },
    areaTable('sido', data.table.sido, state, onSort, data.table.sido.length),
    areaTable('sigungu', data.table.sigungu, state, onSort, LISTED_SIGUNGU),
  );
}

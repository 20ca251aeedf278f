// The result map card: once a job has completed, its points over the dataset's outlines, the
// problem rows beside them (a click shows the point) and the rows per 시도 / 시군구.
import { getJson } from './api';
import { $, h, rebuild } from './dom';
import { errorBox, noteUnauthorized } from './errors';
import { t } from './i18n';
import { snappedBbox, type BoundaryCollection, type JobPoints } from './map-data';
import { ResultMapView } from './map-leaflet';
import { areasView, legendView, problemsView, type PanelState } from './map-panels';
import { state } from './state';

interface MapState {
  jobId: string | null;
  data: JobPoints | null;
  error: unknown;
  view: ResultMapView | null;
  /** 시군구 boxes asked for already (`minLon,minLat,maxLon,maxLat`). */
  asked: Set<string>;
  panels: PanelState;
}

const map: MapState = { jobId: null, data: null, error: null, view: null, asked: new Set(), panels: { selected: null, sort: { sido: 'rows', sigungu: 'rows' } } };

/** The card's fixed parts, made once: Leaflet keeps its container for the map's life. */
function skeleton(): { canvas: HTMLElement; head: HTMLElement; side: HTMLElement; tables: HTMLElement } {
  const root = $('result-map');
  if (!root.firstElementChild) {
    root.append(
      h('div', { id: 'map-head', class: 'map-head' }),
      h('div', { class: 'map-layout' }, h('div', { id: 'map-canvas', class: 'map-canvas', role: 'region', 'aria-label': t('mapAria') }), h('div', { id: 'map-side', class: 'map-side' })),
      h('div', { id: 'map-tables' }),
    );
  }
  return { canvas: $('map-canvas'), head: $('map-head'), side: $('map-side'), tables: $('map-tables') };
}

function renderPanels(): void {
  const parts = skeleton();
  parts.canvas.setAttribute('aria-label', t('mapAria'));
  const data = map.data;
  if (map.error) return rebuild(parts.head, errorBox(map.error));
  if (!data) return rebuild(parts.head, h('p', { class: 'empty' }, t('mapLoading')));
  rebuild(parts.head, legendView(data));
  rebuild(parts.side, problemsView(data, map.panels, pick));
  rebuild(parts.tables, areasView(data, map.panels, renderPanels));
}

/** A problem row (or a point on the map) chosen: the map goes there and the list marks it. */
function pick(i: number): void {
  const data = map.data;
  const lat = data?.points.lat[i];
  const lon = data?.points.lon[i];
  if (!data || lat === null || lon === null || lat === undefined || lon === undefined) return;
  map.panels.selected = i;
  map.view?.focus(lat, lon);
  renderPanels();
  document.querySelector(`#map-side [data-index="${i}"]`)?.scrollIntoView({ block: 'nearest' });
}

/** 시군구 outlines for the view once it is close enough, each box of half degrees asked for once. */
async function loadSigungu(datasetId: string): Promise<void> {
  const bounds = map.view?.sigunguView();
  if (!bounds) return;
  const box = snappedBbox(bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()).join(',');
  if (map.asked.has(box)) return;
  map.asked.add(box);
  try {
    const fc = await getJson<BoundaryCollection>(`datasets/${encodeURIComponent(datasetId)}/boundaries?level=sigungu&bbox=${box}`);
    if (map.data?.datasetId === datasetId) map.view?.addBoundaries(fc);
  } catch {
    // The outlines are decoration: the points and lists still stand, and the next view asks again.
    map.asked.delete(box);
  }
}

async function load(jobId: string): Promise<void> {
  try {
    const data = await getJson<JobPoints>(`jobs/${encodeURIComponent(jobId)}/points`);
    if (map.jobId !== jobId) return;
    map.data = data;
    const canvas = skeleton().canvas;
    const view = new ResultMapView(canvas, pick);
    map.view = view;
    view.map.on('moveend', () => void loadSigungu(data.datasetId));
    renderPanels();
    const sido = await getJson<BoundaryCollection>(`datasets/${encodeURIComponent(data.datasetId)}/boundaries?level=sido`);
    if (map.view !== view) return;
    view.addBoundaries(sido);
    view.setPoints(data);
  } catch (e) {
    if (map.jobId !== jobId) return;
    noteUnauthorized(e);
    map.error = e;
    renderPanels();
  }
}

function reset(jobId: string | null): void {
  map.view?.remove();
  map.view = null;
  map.jobId = jobId;
  map.data = null;
  map.error = null;
  map.asked.clear();
  map.panels.selected = null;
  $('result-map').replaceChildren();
}

/** Shows the map of the followed job once it has completed; hides it otherwise. */
export function renderResultMap(): void {
  const job = state.job;
  const card = $('map-card');
  const id = job?.view?.status === 'completed' ? job.id : null;
  if (!id) {
    if (map.jobId) reset(null);
    card.hidden = true;
    return;
  }
  card.hidden = false;
  if (map.jobId !== id) {
    reset(id);
    void load(id);
  }
  renderPanels();
  map.view?.resize();
}

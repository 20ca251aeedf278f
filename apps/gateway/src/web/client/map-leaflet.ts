// The result map's drawing, with Leaflet: no base tiles (no tile server is reachable where Geobatch
// runs), only the dataset's own outlines (SVG: a few hundred paths) under the points (canvas:
// up to 20,000 circle markers). Leaflet positions its panes through element.style (CSSOM), which
// the page's content security policy allows; nothing here turns text into markup.
import * as L from 'leaflet';
import { GROUP_COLOURS, pointBounds, statusGroup, type BoundaryCollection, type JobPoints } from './map-data';

/** Korea, for a job without any point on the map. */
const KOREA: L.LatLngBoundsExpression = [[33, 124.5], [38.7, 131]];
/** From this zoom on the 시군구 outlines are drawn, fetched for the view. */
export const SIGUNGU_ZOOM = 8;
/** How close a click on a problem row brings the map. */
const ROW_ZOOM = 12;

const BOUNDARY_STYLE: Record<string, L.PathOptions> = {
  sido: { color: '#56657a', weight: 1.2, fillColor: '#e9eef4', fillOpacity: 0.6, className: 'map-boundary map-boundary-sido' },
  sigungu: { color: '#8a97a8', weight: 0.7, dashArray: '3 3', fill: false, className: 'map-boundary map-boundary-sigungu' },
};

export class ResultMapView {
  readonly map: L.Map;
  private readonly svg = L.svg({ padding: 0.3, pane: 'outlines' });
  private readonly canvas = L.canvas({ padding: 0.3 });
  private readonly sigunguCodes = new Set<string>();
  private points: L.GeoJSON | null = null;
  private highlight: L.CircleMarker | null = null;

  constructor(
    readonly element: HTMLElement,
    private readonly onPointClick: (index: number) => void,
  ) {
    this.map = L.map(element, { preferCanvas: true, attributionControl: false, zoomSnap: 0.5, minZoom: 5, maxZoom: 17, renderer: this.canvas });
    this.map.createPane('outlines').style.zIndex = '350';
    // Where the map looks, for people using the keyboard and for the browser test.
    this.map.on('moveend', () => {
      const c = this.map.getCenter();
      element.dataset.view = `${c.lat.toFixed(5)},${c.lng.toFixed(5)},${this.map.getZoom()}`;
    });
  }

  /** Draws one level's outlines; 시군구 already drawn (by code) are skipped. */
  addBoundaries(fc: BoundaryCollection): void {
    const level = fc.level === 'sigungu' ? 'sigungu' : 'sido';
    const fresh = level === 'sigungu' ? fc.features.filter((f) => !this.sigunguCodes.has(f.properties.code)) : fc.features;
    if (level === 'sigungu') for (const f of fresh) this.sigunguCodes.add(f.properties.code);
    // Leaflet hands these options to every path it makes, `renderer` included (the typings leave it out).
    const options: L.GeoJSONOptions & { renderer: L.Renderer } = { renderer: this.svg, interactive: false, style: () => BOUNDARY_STYLE[level] };
    const layer = L.geoJSON({ type: 'FeatureCollection', features: fresh } as unknown as GeoJSON.FeatureCollection, options);
    layer.addTo(this.map);
    this.element.dataset[level] = String(level === 'sigungu' ? this.sigunguCodes.size : fresh.length);
  }

  /** One circle marker per point with a position; OK under the problem rows, so those stay visible. */
  setPoints(data: JobPoints): void {
    this.points?.remove();
    const p = data.points;
    const order = [...p.status.keys()].sort((a, b) => Number(p.status[a] !== 'OK') - Number(p.status[b] !== 'OK'));
    const features: GeoJSON.Feature<GeoJSON.Point, { i: number }>[] = [];
    for (const i of order) {
      const lon = p.lon[i], lat = p.lat[i];
      if (lon !== null && lat !== null) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: { i } });
    }
    this.points = L.geoJSON({ type: 'FeatureCollection', features } as GeoJSON.FeatureCollection, {
      pointToLayer: (f: GeoJSON.Feature<GeoJSON.Point, { i: number }>, at) => {
        const status = p.status[f.properties.i];
        const colour = GROUP_COLOURS[statusGroup(status)];
        const problem = status !== 'OK';
        return L.circleMarker(at, { renderer: this.canvas, radius: problem ? 5 : 3, color: problem ? '#ffffff' : colour, weight: problem ? 1.5 : 0.5, fillColor: colour, fillOpacity: 0.85 });
      },
    });
    this.points.on('click', (e: L.LeafletMouseEvent) => {
      const i = (e.propagatedFrom as L.Layer & { feature?: GeoJSON.Feature<GeoJSON.Point, { i: number }> }).feature?.properties.i;
      if (typeof i === 'number') this.onPointClick(i);
    });
    this.points.addTo(this.map);
    this.element.dataset.points = String(this.points.getLayers().length);
    this.map.fitBounds(pointBounds(p) ?? KOREA, { padding: [16, 16], maxZoom: ROW_ZOOM });
  }

  /** Brings a point into view, closer, and rings it. */
  focus(lat: number, lon: number): void {
    this.highlight?.remove();
    this.highlight = L.circleMarker([lat, lon], { renderer: this.svg, radius: 11, color: '#1f5fbf', weight: 3, fill: false, interactive: false, className: 'map-highlight' });
    this.highlight.addTo(this.map);
    this.map.setView([lat, lon], Math.max(this.map.getZoom(), ROW_ZOOM));
  }

  /** The view's box, when it is close enough for 시군구 outlines. */
  sigunguView(): L.LatLngBounds | null {
    return this.map.getZoom() >= SIGUNGU_ZOOM ? this.map.getBounds() : null;
  }

  /** The container was resized (e.g. shown after being hidden). */
  resize(): void {
    this.map.invalidateSize();
  }

  remove(): void {
    this.map.remove();
  }
}

// The result map's data, without Leaflet: the answer of GET /jobs/:id/points, how a status is
// coloured, and the order of the area table. Kept apart from map-leaflet.ts so it can be tested in Node.

export interface MapArea {
  code: string;
  name: string;
}

export interface MapPointColumns {
  sheet: number[];
  n: number[];
  lon: (number | null)[];
  lat: (number | null)[];
  status: string[];
  note: (string | null)[];
  sido: number[];
  sigungu: number[];
}

export interface MapAreaRows {
  code: string | null;
  name: string | null;
  parent?: string | null;
  rows: number;
  problems: number;
}

/** `GET /jobs/:id/points`. */
export interface JobPoints {
  jobId: string;
  datasetId: string;
  dataset: string;
  rows: number;
  problems: number;
  sampled: boolean;
  sheets: string[];
  areas: MapArea[];
  points: MapPointColumns;
  statuses: { status: string; rows: number }[];
  table: { sido: MapAreaRows[]; sigungu: MapAreaRows[]; sigunguMore: number };
}

/** `GET /datasets/:id/boundaries`: a GeoJSON FeatureCollection with a bbox per feature. */
export interface BoundaryCollection {
  type: 'FeatureCollection';
  level: string;
  features: { type: 'Feature'; bbox: number[]; properties: { code: string; name: string; level: string }; geometry: unknown }[];
}

export type StatusGroup = 'ok' | 'warn' | 'bad';
export const STATUS_GROUPS: readonly StatusGroup[] = ['ok', 'warn', 'bad'];

/** OK; found with a caveat (NEAREST, SWAPPED, PARTIAL); not found (NOT_FOUND, INVALID, ERROR and anything unknown). */
export function statusGroup(status: string): StatusGroup {
  if (status === 'OK') return 'ok';
  if (status === 'NEAREST' || status === 'SWAPPED' || status === 'PARTIAL') return 'warn';
  return 'bad';
}

/** Marker colours (the page's --ok, --warn and --danger). */
export const GROUP_COLOURS: Readonly<Record<StatusGroup, string>> = { ok: '#2b8a3e', warn: '#e8590c', bad: '#c92a2a' };

/** Rows per group over the whole job (not just the sampled points). */
export function groupCounts(data: Pick<JobPoints, 'statuses'>): Record<StatusGroup, number> {
  const out: Record<StatusGroup, number> = { ok: 0, warn: 0, bad: 0 };
  for (const s of data.statuses) out[statusGroup(s.status)] += s.rows;
  return out;
}

/** Indexes of the points that are problem rows, in the answer's order (problem rows come first). */
export function problemIndexes(p: MapPointColumns): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.status.length; i++) if (p.status[i] !== 'OK') out.push(i);
  return out;
}

export type AreaSortKey = 'name' | 'rows' | 'problems';

/** The area table's rows sorted by a column: counts largest first, names in Korean order; ties by rows. */
export function sortAreaRows(rows: readonly MapAreaRows[], key: AreaSortKey): MapAreaRows[] {
  const label = (r: MapAreaRows) => `${r.parent ?? ''} ${r.name ?? '\uffff'}`;
  return [...rows].sort((a, b) => {
    if (key === 'name') return label(a).localeCompare(label(b), 'ko');
    return b[key] - a[key] || b.rows - a.rows || label(a).localeCompare(label(b), 'ko');
  });
}

/** The points' extent as `[[south, west], [north, east]]`, or null when none has a position. */
export function pointBounds(p: MapPointColumns): [[number, number], [number, number]] | null {
  let s = Infinity, w = Infinity, n = -Infinity, e = -Infinity;
  for (let i = 0; i < p.lat.length; i++) {
    const lat = p.lat[i], lon = p.lon[i];
    if (lat === null || lon === null) continue;
    s = Math.min(s, lat); n = Math.max(n, lat); w = Math.min(w, lon); e = Math.max(e, lon);
  }
  return Number.isFinite(s) ? [[s, w], [n, e]] : null;
}

/** A view's box grown to whole half degrees (`minLon,minLat,maxLon,maxLat`), so nearby views ask for the same outlines. */
export function snappedBbox(west: number, south: number, east: number, north: number): [number, number, number, number] {
  const down = (v: number) => Math.floor(v * 2) / 2;
  const up = (v: number) => Math.ceil(v * 2) / 2;
  return [down(west), down(south), up(east), up(north)];
}

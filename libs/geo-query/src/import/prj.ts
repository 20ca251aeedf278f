import proj4 from 'proj4';
import { INPUT_CRS, type InputCrs } from '@geobatch/contracts';
import { CRS_PROJ4 } from '../lookup/coordinate-systems';

/** What the parameters of a coordinate system reduce to for comparison (angles in degrees). */
interface CrsParams {
  kind: 'longlat' | 'tmerc' | 'merc' | 'other';
  lat0: number;
  lon0: number;
  k0: number;
  x0: number;
  y0: number;
  /** Semi-major axis and inverse flattening of the ellipsoid (rf 0 for a sphere). */
  a: number;
  rf: number;
  toMeter: number;
}

const KIND_BY_NAME: Record<string, CrsParams['kind']> = {
  longlat: 'longlat',
  latlong: 'longlat',
  latlon: 'longlat',
  lonlat: 'longlat',
  identity: 'longlat',
  tmerc: 'tmerc',
  etmerc: 'tmerc',
  utm: 'tmerc',
  transverse_mercator: 'tmerc',
  gauss_kruger: 'tmerc',
  merc: 'merc',
  mercator: 'merc',
  mercator_1sp: 'merc',
  mercator_auxiliary_sphere: 'merc',
  popular_visualisation_pseudo_mercator: 'merc',
};

const R2D = 180 / Math.PI;

type ParsedProj = InstanceType<typeof proj4.Proj> & Record<string, unknown>;

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function paramsOf(p: ParsedProj): CrsParams {
  const names = [p.projName, ...(Array.isArray(p.names) ? p.names : [])].filter((n): n is string => typeof n === 'string');
  let kind: CrsParams['kind'] = 'other';
  for (const n of names) {
    const k = KIND_BY_NAME[n.toLowerCase().replace(/[\s-]+/g, '_')];
    if (k) {
      kind = k;
      break;
    }
  }
  const a = num(p.a, NaN);
  const b = num(p.b, NaN);
  let rf = num(p.rf, NaN);
  if (!Number.isFinite(rf) && Number.isFinite(a) && Number.isFinite(b)) rf = a === b ? 0 : a / (a - b);
  return {
    kind,
    lat0: num(p.lat0, 0) * R2D,
    lon0: num(p.long0, 0) * R2D,
    k0: num(p.k0, 1),
    x0: num(p.x0, 0),
    y0: num(p.y0, 0),
    a,
    rf,
    toMeter: num(p.to_meter, 1),
  };
}

function parse(definition: string): CrsParams | null {
  try {
    return paramsOf(new proj4.Proj(definition) as ParsedProj);
  } catch {
    return null;
  }
}

const near = (x: number, y: number, tol: number) => Math.abs(x - y) <= tol;

/**
 * Same ellipsoid within what matters here: GRS80 and WGS84 (which differ by 0.1 mm) count as one,
 * Bessel 1841 and the Web Mercator sphere do not.
 */
function sameEllipsoid(p: CrsParams, q: CrsParams): boolean {
  return near(p.a, q.a, 0.01) && near(p.rf, q.rf, 1e-4);
}

/** Same projection, origin, scale and false origin; angles within 1e-6° (about 0.1 m). */
function sameProjection(p: CrsParams, q: CrsParams): boolean {
  return (
    p.kind === q.kind &&
    near(p.lat0, q.lat0, 1e-6) &&
    near(p.lon0, q.lon0, 1e-6) &&
    near(p.k0, q.k0, 1e-9) &&
    near(p.x0, q.x0, 1e-3) &&
    near(p.y0, q.y0, 1e-3) &&
    near(p.toMeter, 1, 1e-9)
  );
}

let references: [InputCrs, CrsParams][] | undefined;

function referenceParams(): [InputCrs, CrsParams][] {
  references ??= INPUT_CRS.map((crs) => [crs, parse(CRS_PROJ4[crs])!] as [InputCrs, CrsParams]);
  return references;
}

/** The EPSG code a WKT names for itself at its top level (WKT1 `AUTHORITY["EPSG","5179"]]`, WKT2 `ID["EPSG",5179]]`). */
function ownEpsgCode(wkt: string): number | null {
  const m = /(?:AUTHORITY|ID)\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(wkt.trim());
  return m ? Number(m[1]) : null;
}

/** Web Mercator is a Mercator on the sphere; ESRI writes it with the WGS84 ellipsoid and an "auxiliary sphere". */
function looksWebMercator(wkt: string): boolean {
  return /auxiliary_sphere|pseudo[\s_-]?mercator|web[\s_-]?mercator/i.test(wkt);
}

/**
 * The supported coordinate system a `.prj` (ESRI or OGC WKT) describes, or null. An own EPSG
 * authority code decides when present; otherwise the WKT is parsed by proj4 and its projection,
 * origin, scale, false easting/northing, unit and ellipsoid are compared with each supported
 * system's. Any geographic system on the GRS80/WGS84 ellipsoid (WGS84, Korea 2000) is EPSG:4326.
 */
export function crsFromPrj(wkt: string): InputCrs | null {
  const text = wkt.replace(/^\uFEFF/, '').trim();
  if (text === '') return null;
  const own = ownEpsgCode(text);
  if (own !== null) {
    const crs = `EPSG:${own}`;
    if ((INPUT_CRS as readonly string[]).includes(crs)) return crs as InputCrs;
    if (own === 4737) return 'EPSG:4326'; // Korea 2000 geographic: WGS84 within centimetres
  }
  const p = parse(text);
  if (!p) return null;
  const refs = referenceParams();
  if (p.kind === 'longlat') {
    const wgs84 = refs.find(([crs]) => crs === 'EPSG:4326')![1];
    // Degrees either way (proj4 gives WKT degrees a to_meter, proj strings none): only the ellipsoid matters.
    return sameEllipsoid(p, wgs84) ? 'EPSG:4326' : null;
  }
  if (p.kind === 'merc') {
    const web = refs.find(([crs]) => crs === 'EPSG:3857')![1];
    const sphereOrAux = sameEllipsoid(p, web) || (looksWebMercator(text) && near(p.a, web.a, 0.01));
    return sphereOrAux && near(p.lon0, 0, 1e-6) && near(p.x0, 0, 1e-3) && near(p.y0, 0, 1e-3) && near(p.k0, 1, 1e-9) ? 'EPSG:3857' : null;
  }
  for (const [crs, ref] of refs) {
    if (ref.kind === p.kind && sameProjection(p, ref) && sameEllipsoid(p, ref)) return crs;
  }
  return null;
}

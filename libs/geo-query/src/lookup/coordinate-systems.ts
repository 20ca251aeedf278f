import proj4 from 'proj4';
import { INPUT_CRS, type InputCrs } from '@geobatch/contracts';

/**
 * The coordinate systems Geobatch reads, as standard PROJ strings (those of the EPSG registry as
 * shipped with PostGIS's spatial_ref_sys). One table serves the geocoder (input x/y, converted with
 * proj4js) and the importer (shapefiles, converted by PostGIS `ST_Transform(geom, proj, 4326)` with
 * the same strings), so a boundary and a point in the same system go through the same datum shift.
 *
 * EPSG:5174 (Korean 1985, Bessel 1841) carries the 7-parameter shift to WGS84 commonly used for
 * Korean cadastral data (+towgs84=-115.80,474.99,674.11,1.16,-2.31,-1.63,6.43). PostGIS's own EPSG
 * transformation for 5174 picks another published shift; the two agree to within 0.1 m over Korea.
 */
export const CRS_PROJ4: Readonly<Record<InputCrs, string>> = {
  'EPSG:4326': '+proj=longlat +datum=WGS84 +no_defs',
  'EPSG:5179': '+proj=tmerc +lat_0=38 +lon_0=127.5 +k=0.9996 +x_0=1000000 +y_0=2000000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5186': '+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5181': '+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=500000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5174':
    '+proj=tmerc +lat_0=38 +lon_0=127.0028902777778 +k=1 +x_0=200000 +y_0=500000 +ellps=bessel +units=m +no_defs ' +
    '+towgs84=-115.80,474.99,674.11,1.16,-2.31,-1.63,6.43',
  'EPSG:3857': '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
  'EPSG:32652': '+proj=utm +zone=52 +datum=WGS84 +units=m +no_defs',
};

let registered = false;

/** Registers every supported system with proj4 under its `EPSG:n` name (idempotent). */
export function registerKoreanCrs(): void {
  if (registered) return;
  for (const crs of INPUT_CRS) proj4.defs(crs, CRS_PROJ4[crs]);
  registered = true;
}

/** `EPSG:5179` → 5179. */
export function sridOf(crs: InputCrs): number {
  return Number(crs.slice('EPSG:'.length));
}

/** 5179 → `EPSG:5179` when supported, else null. */
export function crsOfSrid(srid: number): InputCrs | null {
  const crs = `EPSG:${srid}`;
  return (INPUT_CRS as readonly string[]).includes(crs) ? (crs as InputCrs) : null;
}

/** Converts one x/y (easting/northing, or longitude/latitude) of a system to WGS84 [lon, lat]. */
export type ToWgs84 = (x: number, y: number) => [number, number];

const converters = new Map<InputCrs, ToWgs84>();

/** The converter of a supported system to WGS84; the identity for EPSG:4326. Converters are cached. */
export function toWgs84(crs: InputCrs): ToWgs84 {
  let fn = converters.get(crs);
  if (fn) return fn;
  if (crs === 'EPSG:4326') {
    fn = (x, y) => [x, y];
  } else {
    registerKoreanCrs();
    const converter = proj4(crs, 'EPSG:4326');
    fn = (x, y) => {
      const [lon, lat] = converter.forward([x, y]);
      return [lon, lat];
    };
  }
  converters.set(crs, fn);
  return fn;
}

/** The converter of WGS84 [lon, lat] to a supported system (tests and tools). */
export function fromWgs84(crs: InputCrs): ToWgs84 {
  if (crs === 'EPSG:4326') return (x, y) => [x, y];
  registerKoreanCrs();
  const converter = proj4('EPSG:4326', crs);
  return (lon, lat) => {
    const [x, y] = converter.forward([lon, lat]);
    return [x, y];
  };
}

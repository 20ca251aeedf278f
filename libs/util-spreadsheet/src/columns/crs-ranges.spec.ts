import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import proj4 from 'proj4';
import { CRS_RANGES, suggestCrs } from './crs-ranges';

/** The EPSG definitions as PostGIS ships them (the same strings as geo-query's coordinate-systems.ts). */
const PROJ: Record<string, string> = {
  'EPSG:5179': '+proj=tmerc +lat_0=38 +lon_0=127.5 +k=0.9996 +x_0=1000000 +y_0=2000000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5186': '+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5181': '+proj=tmerc +lat_0=38 +lon_0=127 +k=1 +x_0=200000 +y_0=500000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5174':
    '+proj=tmerc +lat_0=38 +lon_0=127.0028902777778 +k=1 +x_0=200000 +y_0=500000 +ellps=bessel +units=m +no_defs +towgs84=-115.80,474.99,674.11,1.16,-2.31,-1.63,6.43',
  'EPSG:3857': '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
  'EPSG:32652': '+proj=utm +zone=52 +datum=WGS84 +units=m +no_defs',
};

const project = (crs: string, lon: number, lat: number): [number, number] =>
  crs === 'EPSG:4326' ? [lon, lat] : (proj4('EPSG:4326', PROJ[crs]).forward([lon, lat]) as [number, number]);

/** Cities from Jeju to Ulleung and the DMZ's south edge. */
const CITIES: [string, number, number][] = [
  ['서울', 126.978, 37.5665],
  ['부산', 129.0756, 35.1796],
  ['제주', 126.5312, 33.4996],
  ['강릉', 128.8761, 37.7519],
  ['목포', 126.3922, 34.8118],
  ['울릉', 130.9057, 37.4844],
  ['파주', 126.78, 37.76],
  ['대전', 127.3845, 36.3504],
];

describe('CRS_RANGES', () => {
  it('holds Korea (124–132°E, 33–39°N) as proj4 projects it into each system, within a kilometre', () => {
    for (const { crs, x, y } of CRS_RANGES) {
      if (crs === 'EPSG:4326') continue;
      let [xmin, xmax, ymin, ymax] = [Infinity, -Infinity, Infinity, -Infinity];
      for (let lon = 124; lon <= 132.0001; lon += 0.1) {
        for (let lat = 33; lat <= 39.0001; lat += 0.1) {
          const [px, py] = project(crs, lon, lat);
          [xmin, xmax, ymin, ymax] = [Math.min(xmin, px), Math.max(xmax, px), Math.min(ymin, py), Math.max(ymax, py)];
        }
      }
      assert.ok(x.min <= xmin && xmin - x.min < 1_000 && x.max >= xmax && x.max - xmax < 1_000, `${crs} x ${xmin}..${xmax}`);
      assert.ok(y.min <= ymin && ymin - y.min < 1_000 && y.max >= ymax && y.max - ymax < 1_000, `${crs} y ${ymin}..${ymax}`);
    }
  });
});

describe('suggestCrs', () => {
  it('tells each system apart from the cities projected into it with proj4; 5186 first where the Central Belt systems overlap', () => {
    const expected: Record<string, string[]> = {
      'EPSG:4326': ['EPSG:4326'],
      'EPSG:5179': ['EPSG:5179'],
      'EPSG:3857': ['EPSG:3857'],
      'EPSG:32652': ['EPSG:32652'],
      // Over most of Korea the three overlap: the values alone cannot decide, so every one is a candidate.
      'EPSG:5186': ['EPSG:5186', 'EPSG:5181', 'EPSG:5174'],
      'EPSG:5181': ['EPSG:5186', 'EPSG:5181', 'EPSG:5174'],
      'EPSG:5174': ['EPSG:5186', 'EPSG:5181', 'EPSG:5174'],
    };
    for (const [crs, candidates] of Object.entries(expected)) {
      // Inland cities only: Jeju and Ulleung below tell the Central Belt systems apart.
      const points = CITIES.filter(([name]) => name !== '제주').map(([, lon, lat]) => project(crs, lon, lat));
      assert.deepEqual(suggestCrs(points), { crs: candidates[0], candidates }, crs);
    }
  });

  it('puts first the Central Belt system holding the most points, and keeps the others as candidates while they hold enough', () => {
    const points = [...CITIES.map(([, lon, lat]) => project('EPSG:5181', lon, lat)), project('EPSG:5181', 126.56, 33.25)];
    // 제주 (y ≈ 758 m) and 서귀포 fit only 5181/5174, the other seven all three: 5186 holds 7 of 9, below the share.
    assert.deepEqual(suggestCrs(points), { crs: 'EPSG:5181', candidates: ['EPSG:5181', 'EPSG:5174'] });
    // One point north of 38.2°N (y > 623 km) fits 5186 only: 5186 comes first, but 5181/5174 still hold 8 of 9.
    const oneNorth = [...CITIES.map(([, lon, lat]) => project('EPSG:5186', lon, lat)), project('EPSG:5186', 128.5, 38.5)];
    assert.deepEqual(suggestCrs(oneNorth), { crs: 'EPSG:5186', candidates: ['EPSG:5186', 'EPSG:5181', 'EPSG:5174'] });
    const north = [project('EPSG:5186', 128.5, 38.5), project('EPSG:5186', 127.1, 38.2)];
    assert.deepEqual(suggestCrs(north), { crs: 'EPSG:5186', candidates: ['EPSG:5186'] }, 'all north of 5181’s Korea: 5186 only');
  });

  it('says unknown for points outside Korea, for garbage and for a mix with too few Korean points', () => {
    assert.equal(suggestCrs([]).crs, 'unknown');
    assert.equal(suggestCrs([[2.35, 48.85], [-74, 40.7], [139.7, 35.7]]).crs, 'unknown', 'Paris, New York, Tokyo');
    assert.equal(suggestCrs([project('EPSG:3857', 139.7, 35.7), project('EPSG:3857', 2.35, 48.85)]).crs, 'unknown', 'Tokyo and Paris in Web Mercator');
    assert.equal(suggestCrs([[0, 0], [1, 2], [99_999_999, 5], [-1, -1]]).crs, 'unknown');
    const mixed = [...CITIES.slice(0, 4).map(([, lon, lat]): [number, number] => [lon, lat]), [0, 0], [0, 0]] as [number, number][];
    assert.equal(suggestCrs(mixed).crs, 'unknown', 'two in six bad: below the share');
    const mostly = [...CITIES.map(([, lon, lat]): [number, number] => [lon, lat]), [0, 0]] as [number, number][];
    assert.equal(suggestCrs(mostly).crs, 'EPSG:4326', 'one in nine bad: still degrees');
  });
});

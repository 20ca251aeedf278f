import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INPUT_CRS, type InputCrs } from '@geobatch/contracts';
import { crsOfSrid, fromWgs84, sridOf, toWgs84 } from './coordinate-systems';

/*
 * Known pairs computed independently with PostGIS 3.3.2 / PROJ 9.1.1:
 *   SELECT ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), srid)
 * and, for EPSG:5174, with the same PROJ string as here (PostGIS's own EPSG transformation of
 * Korean 1985 uses a different published datum shift, within 0.1 m of this one; coordinate-systems.integration-spec checks both).
 */
const PLACES: Record<string, [number, number]> = {
  seoul: [126.978, 37.5665],
  busan: [129.0756, 35.1796],
  jeju: [126.5312, 33.4996],
  dokdo: [131.8695, 37.2429],
  baengnyeong: [124.7147, 37.966],
};

const KNOWN: Record<Exclude<InputCrs, 'EPSG:4326'>, Record<keyof typeof PLACES, [number, number]>> = {
  'EPSG:5179': {
    seoul: [953901.1653121515, 1952032.0809790876],
    busan: [1143467.3796645734, 1688281.9820715075],
    jeju: [910010.5457116975, 1501279.7888660107],
    dokdo: [1387642.001095042, 1924959.0340979486],
    baengnyeong: [755321.5936921729, 1999887.9713331133],
  },
  'EPSG:5186': {
    seoul: [198056.36673702704, 551885.0305887164],
    busan: [389076.8035813294, 288993.75599273696],
    jeju: [156437.51964552596, 100758.48149363999],
    dokdo: [632199.817737618, 527100.3613345862],
    baengnyeong: [-829.2322491405066, 598690.8057233432],
  },
  'EPSG:5181': {
    seoul: [198056.36673702704, 451885.0305887164],
    busan: [389076.8035813294, 188993.75599273696],
    jeju: [156437.51964552596, 758.4814936399926],
    dokdo: [632199.817737618, 427100.36133458617],
    baengnyeong: [-829.2322491405066, 498690.8057233432],
  },
  'EPSG:5174': {
    seoul: [197986.72693155578, 451579.8938035704],
    busan: [389004.1526378313, 188683.84610264178],
    jeju: [156361.08034607902, 451.0668332715286],
    dokdo: [632132.6333796692, 426787.31807985995],
    baengnyeong: [-899.9231739566603, 498389.1759346107],
  },
  'EPSG:3857': {
    seoul: [14135126.30194829, 4518366.509981735],
    busan: [14368630.065836264, 4188314.9311212953],
    jeju: [14085388.753461856, 3961806.819615657],
    dokdo: [14679645.591163589, 4473018.212397031],
    baengnyeong: [13883176.898435874, 4574623.865960451],
  },
  'EPSG:32652': {
    seoul: [321424.28619371157, 4159640.6414124444],
    busan: [506883.5183317733, 3892962.9336048407],
    jeju: [270655.58278197155, 3709403.0250613303],
    dokdo: [754531.0939813564, 4125677.81342708],
    baengnyeong: [123502.46940180758, 4210713.491764759],
  },
};

/** 1 mm in projected metres; 1e-8° (about 1 mm) in degrees. */
const MM = 0.001;
const DEG = 1e-8;
/**
 * Bessel → WGS84 goes through a 7-parameter Helmert shift, which proj4js inverts by negating the
 * parameters (PROJ inverts exactly): a few millimetres apart, so 1e-7° (about 1 cm) there.
 */
const INVERSE_DEG: Partial<Record<InputCrs, number>> = { 'EPSG:5174': 1e-7 };

describe('coordinate systems (proj4 against PostGIS-computed pairs)', () => {
  for (const [crs, pairs] of Object.entries(KNOWN) as [Exclude<InputCrs, 'EPSG:4326'>, Record<string, [number, number]>][]) {
    it(`${crs} → EPSG:4326 and back`, () => {
      const inverse = toWgs84(crs);
      const forward = fromWgs84(crs);
      for (const [place, [x, y]] of Object.entries(pairs)) {
        const [lon, lat] = PLACES[place];
        const [glon, glat] = inverse(x, y);
        const tol = INVERSE_DEG[crs] ?? DEG;
        assert.ok(Math.abs(glon - lon) < tol && Math.abs(glat - lat) < tol, `${place}: ${crs} (${x}, ${y}) → (${glon}, ${glat}), expected (${lon}, ${lat})`);
        const [gx, gy] = forward(lon, lat);
        assert.ok(Math.abs(gx - x) < MM && Math.abs(gy - y) < MM, `${place}: (${lon}, ${lat}) → ${crs} (${gx}, ${gy}), expected (${x}, ${y})`);
      }
    });
  }

  it('EPSG:4326 is the identity', () => {
    assert.deepEqual(toWgs84('EPSG:4326')(126.978, 37.5665), [126.978, 37.5665]);
  });

  it('knows every supported system by SRID, and no other', () => {
    for (const crs of INPUT_CRS) assert.equal(crsOfSrid(sridOf(crs)), crs);
    assert.equal(crsOfSrid(2097), null);
    assert.equal(crsOfSrid(5185), null);
  });
});

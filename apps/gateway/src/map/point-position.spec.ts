import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RowStatus } from '@geobatch/contracts';
import { fromWgs84 } from '@geobatch/geo-query';
import { pointPosition } from './point-position';

describe('pointPosition', () => {
  it('reads WGS84 decimals as they are, rounded to 6 decimals', () => {
    assert.deepEqual(pointPosition('127.229305', ' 37.646395 ', 'EPSG:4326', RowStatus.Ok), [127.229305, 37.646395]);
    assert.deepEqual(pointPosition('127.12345678', '37.5', 'EPSG:4326', RowStatus.NotFound), [127.123457, 37.5]);
  });

  it('swaps a SWAPPED row back, as the geocoder looked it up', () => {
    assert.deepEqual(pointPosition('37.5665', '126.978', 'EPSG:4326', RowStatus.Swapped), [126.978, 37.5665]);
  });

  it('converts projected coordinates to WGS84 with the project’s proj4 definitions', () => {
    for (const crs of ['EPSG:5179', 'EPSG:5186', 'EPSG:3857'] as const) {
      const [x, y] = fromWgs84(crs)(126.978, 37.5665);
      const at = pointPosition(String(x), String(y), crs, RowStatus.Ok);
      assert.ok(at && Math.abs(at[0] - 126.978) < 1e-6 && Math.abs(at[1] - 37.5665) < 1e-6, `${crs}: ${at}`);
    }
  });

  it('has no position for missing, unreadable or out-of-Korea coordinates, or an unknown system', () => {
    for (const [x, y, crs] of [
      [null, '37.5', 'EPSG:4326'],
      ['', '37.5', 'EPSG:4326'],
      ['1e2', '37.5', 'EPSG:4326'],
      ['127,5', '37.5', 'EPSG:4326'],
      ['동경 127도', '37.5', 'EPSG:4326'],
      ['0', '0', 'EPSG:4326'],
      ['37.5', '127.0', 'EPSG:4326'],
      ['127.0', '37.5', 'EPSG:9999'],
    ] as const) {
      assert.equal(pointPosition(x, y, crs, RowStatus.Invalid), null, `${x}, ${y}, ${crs}`);
    }
  });
});

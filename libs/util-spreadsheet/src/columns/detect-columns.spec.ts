import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnResolutionError } from './resolve-column';
import { columnLetter, detectCoordinateColumns, normalizeHeaderName } from './detect-columns';

describe('detectCoordinateColumns', () => {
  it('finds longitude/latitude headers in English, Korean and X/Y forms, ignoring case, spaces and punctuation', () => {
    const cases: [string[], number, number][] = [
      [['id', 'x', 'y'], 1, 2],
      [['LAT', 'Lon'], 1, 0],
      [['lng', 'lat'], 0, 1],
      [['Longitude (deg)', 'Latitude'], -1, 1],
      [['번호', '경도', '위도'], 1, 2],
      [['X 좌표', 'Y좌표'], 0, 1],
      [['x_coord', 'y-coord'], 0, 1],
      [['LONG', 'LATITUDE'], 0, 1],
    ];
    for (const [header, x, y] of cases) {
      if (x === -1) {
        assert.throws(() => detectCoordinateColumns(header, []), ColumnResolutionError, header.join());
        continue;
      }
      const c = detectCoordinateColumns(header, []);
      assert.deepEqual([c.x.index, c.y.index, c.x.by, c.y.by], [x, y, 'header', 'header'], header.join());
    }
    assert.equal(normalizeHeaderName(' X 좌표 '), 'x좌표');
  });

  it('falls back to the values: numbers within Korea\'s longitudes and latitudes (the sample: 주소 and an empty name)', () => {
    const header = ['회사코드', '차량번호', '날짜', '주소', '', '속도'];
    const rows = [
      ['testse01', '울산100바10000', '20240101', '127.229305', '37.646395', '60'],
      ['testse02', '서울101바10001', '20240202', '126.381893', '34.805947', '35'],
      ['testse03', '경기102바10002', '20240303', 128.454931, 35.73632, 36],
      ['testse04', '', '', '', '', ''],
    ];
    const c = detectCoordinateColumns(header, rows);
    assert.deepEqual([c.x.index, c.x.name, c.x.by, c.y.index, c.y.name, c.y.by], [3, '주소', 'values', 4, '', 'values']);
    assert.equal(c.crs, 'EPSG:4326');
  });

  it('ignores whole-number columns in range (a speed of 35 is not a latitude) and mostly-text columns', () => {
    const header = ['speed', 'lon', 'note', 'lat'];
    const rows = [[35, '127.1', '37.5', 37.5], [36, '127.2', 'n/a', 37.6], [37, '127.3', 'n/a', 37.7]];
    const c = detectCoordinateColumns(['speed', 'a', 'note', 'b'], rows);
    assert.deepEqual([c.x.index, c.y.index], [1, 3]);
    assert.deepEqual([header[c.x.index], header[c.y.index]], ['lon', 'lat']);
  });

  it('resolves given columns as given (name, number or letter) and detects only the other one', () => {
    const c = detectCoordinateColumns(['a', 'b', '위도'], [], { x: 'B' });
    assert.deepEqual([c.x.index, c.x.by, c.y.index, c.y.by], [1, 'given', 2, 'header']);
    const d = detectCoordinateColumns(['lon', 'lat', 'c'], [], { x: '3', y: 'lon' });
    assert.deepEqual([d.x.index, d.y.index], [2, 0]);
  });

  it('says which column it could not find and what to pass, and refuses x = y', () => {
    assert.throws(() => detectCoordinateColumns(['a', 'b'], [['1', '2']]), /x: .*longitude.*give x\); y: .*latitude.*give y/);
    assert.throws(() => detectCoordinateColumns(['lon', 'b'], [['127.5', 'z']]), (e: unknown) => e instanceof ColumnResolutionError && /^y: /.test(e.message));
    assert.throws(() => detectCoordinateColumns(['lon', 'lat'], [], { x: 'lon', y: '1' }), /same column/);
  });

  it('calls the coordinate system unknown when the values are not degrees (e.g. projected metres)', () => {
    const c = detectCoordinateColumns(['x', 'y'], [['953000.5', '1952000.25'], ['954000', '1953000']]);
    assert.equal(c.crs, 'unknown');
  });

  it('names columns by letter', () => {
    assert.deepEqual([0, 25, 26, 701, 16383].map(columnLetter), ['A', 'Z', 'AA', 'ZZ', 'XFD']);
  });
});

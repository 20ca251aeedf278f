import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnResolutionError } from './resolve-column';
import { columnLetter, detectCoordinateColumns, detectEachCoordinateColumn, normalizeHeaderName } from './detect-columns';

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
      [['TM_X', 'TM_Y'], 0, 1],
      [['번호', 'X좌표(TM)', 'Y좌표(TM)'], 1, 2],
      [['좌표정보(X)', '좌표정보(Y)'], 0, 1],
      [['UTMK_Y', 'UTMK_X'], 1, 0],
      [['Easting', 'Northing'], 0, 1],
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

  it('suggests the coordinate system from the values: UTM-K metres under X좌표/Y좌표 are EPSG:5179, garbage is unknown', () => {
    const c = detectCoordinateColumns(['X좌표', 'Y좌표'], [['953000.5', '1952000.25'], ['954000', '1953000']]);
    assert.deepEqual([c.x.by, c.y.by, c.crs, c.crsCandidates], ['header', 'header', 'EPSG:5179', ['EPSG:5179']]);
    const far = detectCoordinateColumns(['x', 'y'], [['2.35', '48.85'], ['-74.0', '40.7']]);
    assert.deepEqual([far.crs, far.crsCandidates], ['unknown', []]);
  });

  it('finds each column on its own: bad values in one column never hide the other', () => {
    // y holds text and out-of-range numbers: x is still found from its values, and the error keeps it.
    const rows = Array.from({ length: 10 }, (_, i) => ['a', (127 + i / 100).toFixed(4), i < 5 ? 'n/a' : '0']);
    const each = detectEachCoordinateColumn(['id', 'p', 'q'], rows);
    assert.deepEqual([each.x?.index, each.x?.by, each.y, each.crs], [1, 'values', null, 'unknown']);
    assert.match(each.problem ?? '', /^y: /);
    assert.throws(
      () => detectCoordinateColumns(['id', 'p', 'q'], rows),
      (e: unknown) => e instanceof ColumnResolutionError && e.found?.x?.index === 1 && e.found.y === null && /^y: /.test(e.message),
    );
    // And the other way round: a longitude column of garbage leaves the latitude column standing.
    const swapped = detectEachCoordinateColumn(['p', 'q'], rows.map((r) => [r[2], (36 + Number(r[1]) - 127).toFixed(4)]));
    assert.deepEqual([swapped.x, swapped.y?.index, swapped.y?.by], [null, 1, 'values']);
    assert.match(swapped.problem ?? '', /^x: /);
  });

  it('takes a column when most of its values are in range, not all (a few rows without a GPS fix, typos)', () => {
    const rows = Array.from({ length: 20 }, (_, i) => {
      const x = i === 3 ? '0' : i === 7 ? 'N/A' : i === 11 ? '1272.123' : (126.5 + i / 50).toFixed(5);
      const y = i === 5 ? '' : i === 9 ? '0' : i === 15 ? '-' : (36.1 + i / 100).toFixed(5);
      return [`r${i}`, x, y];
    });
    const c = detectCoordinateColumns(['id', '', ''], rows);
    assert.deepEqual([c.x.index, c.y.index, c.x.by, c.y.by, c.crs], [1, 2, 'values', 'values', 'EPSG:4326']);
    // Past the share (here half the values bad), the column is not taken: the other still is.
    const worse = rows.map((r, i) => [r[0], r[1], i % 2 ? 'n/a' : r[2]]);
    const each = detectEachCoordinateColumn(['id', '', ''], worse);
    assert.deepEqual([each.x?.index, each.y], [1, null]);
  });

  it('prefers header names on both axes before values, so a named column is not taken by the other axis', () => {
    // Column A's values look like longitudes, but it is named 위도 (latitude): x comes from the values of C.
    const rows = [['127.1', 'a', '127.2'], ['127.3', 'b', '127.4']];
    const c = detectCoordinateColumns(['위도', 'name', 'k'], rows);
    assert.deepEqual([c.x.index, c.x.by, c.y.index, c.y.by], [2, 'values', 0, 'header']);
  });

  it('names columns by letter', () => {
    assert.deepEqual([0, 25, 26, 701, 16383].map(columnLetter), ['A', 'Z', 'AA', 'ZZ', 'XFD']);
  });
});

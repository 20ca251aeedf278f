import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProjected, parseWgs84, pointParser, swappedNote, unsupportedCrsNote } from './raw-coordinates';

describe('parseWgs84', () => {
  it('accepts trimmed plain decimals inside Korea', () => {
    assert.deepEqual(parseWgs84(' 126.9780 ', '37.5665'), { ok: true, lon: 126.978, lat: 37.5665 });
    assert.deepEqual(parseWgs84('+127', '37.'), { ok: true, lon: 127, lat: 37 });
    assert.deepEqual(parseWgs84('124', '39.5'), { ok: true, lon: 124, lat: 39.5 }, 'bounds are inclusive');
    assert.deepEqual(parseWgs84('132', '33'), { ok: true, lon: 132, lat: 33 });
  });

  const invalid: [string | null, string | null, string][] = [
    ['abc', '37.5', '좌표가 숫자가 아님 (x="abc") / x is not a decimal number'],
    ['127.0', '37,5', '좌표가 숫자가 아님 (y="37,5") / y is not a decimal number'],
    ['1.27e2', '37.5', '좌표가 숫자가 아님 (x="1.27e2") / x is not a decimal number'],
    ['NaN', '37.5', '좌표가 숫자가 아님 (x="NaN") / x is not a decimal number'],
    ['Infinity', '37.5', '좌표가 숫자가 아님 (x="Infinity") / x is not a decimal number'],
    ['0x7f', '37.5', '좌표가 숫자가 아님 (x="0x7f") / x is not a decimal number'],
    ['127.0.1', '37.5', '좌표가 숫자가 아님 (x="127.0.1") / x is not a decimal number'],
    [null, '37.5', '좌표 없음 (x 비어 있음) / missing x'],
    ['127', '   ', '좌표 없음 (y 비어 있음) / missing y'],
    [null, null, '좌표 없음 (x, y 비어 있음) / missing x and y'],
    ['123.99', '37.5', '경도가 범위를 벗어남 (x=123.99, 124~132) / longitude x out of range'],
    ['127', '39.51', '위도가 범위를 벗어남 (y=39.51, 33~39.5) / latitude y out of range'],
    ['-127', '37', '경도가 범위를 벗어남 (x=-127, 124~132) / longitude x out of range'],
    ['37.5665', '200', '경도가 범위를 벗어남 (x=37.5665, 124~132) / longitude x out of range'],
    ['140', '37.5', '경도가 범위를 벗어남 (x=140, 124~132) / longitude x out of range'],
  ];
  for (const [x, y, note] of invalid) {
    it(`x=${JSON.stringify(x)} y=${JSON.stringify(y)} → ${note}`, () => {
      assert.deepEqual(parseWgs84(x, y), { ok: false, note });
    });
  }

  it('swaps x/y back when x is a Korean latitude and y a Korean longitude', () => {
    assert.deepEqual(parseWgs84('37.5665', '126.978'), { ok: true, lon: 126.978, lat: 37.5665, swapped: true });
    assert.deepEqual(parseWgs84(' 33 ', '132'), { ok: true, lon: 132, lat: 33, swapped: true }, 'bounds are inclusive');
    // Only one of the two in its swapped range: not a swap, just out of range.
    assert.deepEqual(parseWgs84('37.5', '37.5'), { ok: false, note: '경도가 범위를 벗어남 (x=37.5, 124~132) / longitude x out of range' });
    assert.equal(swappedNote(37.5665, 126.978), '경도와 위도가 바뀌어 있어 바꿔서 찾음 (x=37.5665, y=126.978) / x and y were swapped; looked up as x=126.978, y=37.5665');
  });

  it('keeps long raw values short in the note', () => {
    const r = parseWgs84('x'.repeat(200), '37');
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.note.length < 120);
  });
});

describe('parseProjected', () => {
  // 서울시청 (126.978, 37.5665) in each system, computed with PostGIS ST_Transform (see coordinate-systems.spec in geo-query).
  const seoul: [string, string, string][] = [
    ['EPSG:5179', '953901.1653121515', '1952032.0809790876'],
    ['EPSG:5186', '198056.36673702704', '551885.0305887164'],
    ['EPSG:5181', '198056.36673702704', '451885.0305887164'],
    ['EPSG:5174', '197986.72693155578', '451579.8938035704'],
    ['EPSG:3857', '14135126.30194829', '4518366.509981735'],
    ['EPSG:32652', '321424.28619371157', '4159640.6414124444'],
  ];
  for (const [crs, x, y] of seoul) {
    it(`${crs}: x=${x} y=${y} is 서울시청`, () => {
      const p = pointParser(crs)!(x, y);
      assert.ok(p.ok, JSON.stringify(p));
      assert.ok(Math.abs(p.lon - 126.978) < 1e-7 && Math.abs(p.lat - 37.5665) < 1e-7, `${p.lon}, ${p.lat}`);
      assert.equal(p.swapped, undefined, 'swaps are only detected in EPSG:4326');
    });
  }

  it('says where a point outside Korea landed (position checked with PostGIS), and why a value is unusable', () => {
    assert.deepEqual(parseProjected('953901.17', '952032.08', 'EPSG:5179'), {
      ok: false,
      note: '좌표가 한국 범위를 벗어남 (EPSG:5179 x=953901.17, y=952032.08 → 경도 127.0287503, 위도 28.5466184; 124~132, 33~39.5) / outside Korea after conversion from EPSG:5179',
    });
    // x and y exchanged in a projected system are not guessed at: out of range.
    const swapped = parseProjected('1952032.08', '953901.17', 'EPSG:5179');
    assert.ok(!swapped.ok && swapped.note.startsWith('좌표가 한국 범위를 벗어남 (EPSG:5179 x=1952032.08, y=953901.17'));
    assert.equal(parseProjected('127.0', '37.5', 'EPSG:5186').ok, false, 'degrees given as TM metres land far outside Korea');
    assert.deepEqual(parseProjected('953,901', '1952032', 'EPSG:5179'), { ok: false, note: '좌표가 숫자가 아님 (x="953,901") / x is not a decimal number' });
    assert.deepEqual(parseProjected('', '1952032', 'EPSG:5179'), { ok: false, note: '좌표 없음 (x 비어 있음) / missing x' });
  });

  it('has no parser for an unsupported system', () => {
    assert.equal(pointParser('EPSG:2097'), null);
    assert.equal(pointParser('EPSG:4326'), parseWgs84);
    assert.equal(
      unsupportedCrsNote('EPSG:2097'),
      '지원하지 않는 좌표계 (EPSG:2097) / unsupported coordinate system; supported: EPSG:4326, EPSG:5179, EPSG:5186, EPSG:5181, EPSG:5174, EPSG:3857, EPSG:32652',
    );
  });
});

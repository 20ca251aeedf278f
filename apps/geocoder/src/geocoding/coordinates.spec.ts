import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseWgs84 } from './coordinates';

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
    ['37.5665', '126.978', '경도와 위도가 바뀐 것 같음 (x=37.5665, y=126.978) / x and y look swapped'],
  ];
  for (const [x, y, note] of invalid) {
    it(`x=${JSON.stringify(x)} y=${JSON.stringify(y)} → ${note}`, () => {
      assert.deepEqual(parseWgs84(x, y), { ok: false, note });
    });
  }

  it('keeps long raw values short in the note', () => {
    const r = parseWgs84('x'.repeat(200), '37');
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.note.length < 120);
  });
});

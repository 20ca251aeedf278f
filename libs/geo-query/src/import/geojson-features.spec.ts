import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suiteTempDir } from '@geobatch/util-testing';
import { BoundaryImportError } from './feature-collection.scanner';
import { assertReadableFile, lastWord, parentArea, readGeoJsonFeatures, toAreaRecord } from './geojson-features';

const fields = { codeField: 'code', nameField: 'name' };
const square = { type: 'Polygon', coordinates: [[[127, 37], [127.1, 37], [127.1, 37.1], [127, 37]]] };
const where = 'sido layer a.geojson, feature 3';

function rejects(feature: unknown, message: RegExp, f = fields): void {
  assert.throws(
    () => toAreaRecord(feature, f, where),
    (e: unknown) => e instanceof BoundaryImportError && e.message.startsWith(where) && message.test(e.message),
  );
}

describe('toAreaRecord', () => {
  it('extracts trimmed code and name; numeric codes become text', () => {
    const r = toAreaRecord({ type: 'Feature', properties: { code: 11, name: ' 서울 ' }, geometry: square }, fields, where);
    assert.deepEqual(r, { code: '11', name: '서울', geometry: square });
  });

  it('uses the configured property names', () => {
    const r = toAreaRecord({ properties: { sig_cd: '11110', sig_kor_nm: '종로구' }, geometry: square }, { codeField: 'sig_cd', nameField: 'sig_kor_nm' }, where);
    assert.equal(r.code, '11110');
    assert.equal(r.name, '종로구');
  });

  it('names the missing field, its role and the properties that are there', () => {
    rejects({ properties: { adm_cd: '1', name: 'x' }, geometry: square }, /no "code" property \(the code field\); its properties are: "adm_cd", "name"/);
    rejects({ properties: { code: '1' }, geometry: square }, /no "name" property \(the name field\)/);
    rejects({ properties: { code: '1', name: 'x' }, geometry: square }, /no "cd" property/, { codeField: 'cd', nameField: 'name' });
  });

  it('rejects empty, structured and over-long values', () => {
    rejects({ properties: { code: '  ', name: 'x' }, geometry: square }, /code field "code" is empty/);
    rejects({ properties: { code: { a: 1 }, name: 'x' }, geometry: square }, /is an object, expected text or a number/);
    rejects({ properties: { code: '1'.repeat(21), name: 'x' }, geometry: square }, /longer than 20/);
    rejects({ properties: { code: '1', name: 'x'.repeat(201) }, geometry: square }, /longer than 200/);
  });

  it('rejects features without properties or polygon geometry', () => {
    rejects(null, /not a GeoJSON Feature object/);
    rejects({ geometry: square }, /has no properties/);
    rejects({ properties: { code: '1', name: 'x' }, geometry: null }, /\(code 1\) has no geometry/);
    rejects({ properties: { code: '1', name: 'x' }, geometry: { type: 'Point', coordinates: [1, 2] } }, /Point geometry; boundary layers need Polygon or MultiPolygon/);
    rejects({ properties: { code: '1', name: 'x' }, geometry: { type: 'Polygon' } }, /without coordinates/);
  });
});

describe('full names and parent names', () => {
  const admdong = { properties: { adm_cd: '1101053', adm_nm: '서울특별시 종로구 사직동', sidonm: '서울특별시', sggnm: '종로구' }, geometry: square };

  it('keeps the last word of a full name when asked', () => {
    assert.equal(lastWord('서울특별시 종로구 사직동'), '사직동');
    assert.equal(lastWord('  경기도  수원시장안구\t파장동 '), '파장동');
    assert.equal(lastWord('사직동'), '사직동');
    const full = toAreaRecord(admdong, { codeField: 'adm_cd', nameField: 'adm_nm' }, where);
    assert.equal(full.name, '서울특별시 종로구 사직동');
    const last = toAreaRecord(admdong, { codeField: 'adm_cd', nameField: 'adm_nm', nameLastWord: true }, where);
    assert.deepEqual([last.code, last.name], ['1101053', '사직동']);
  });

  it('takes a parent name from the properties and its code from the leading characters', () => {
    assert.deepEqual(parentArea(admdong, '1101053', { level: 'sigungu', nameField: 'sggnm', codeLength: 5 }, where), { code: '11010', name: '종로구' });
    assert.deepEqual(parentArea(admdong, '1101053', { level: 'sido', nameField: 'sidonm', codeLength: 2 }, where), { code: '11', name: '서울특별시' });
    assert.throws(
      () => parentArea(admdong, '1101053', { level: 'sigungu', nameField: 'sgg_nm', codeLength: 5 }, where),
      (e: unknown) => e instanceof BoundaryImportError && /has no "sgg_nm" property \(the sigungu name field\); its properties are: "adm_cd", "adm_nm", "sidonm", "sggnm"/.test(e.message),
    );
    assert.throws(
      () => parentArea(admdong, '11', { level: 'sigungu', nameField: 'sggnm', codeLength: 5 }, where),
      (e: unknown) => e instanceof BoundaryImportError && /code "11" is too short to hold a sigungu code of 5 characters/.test(e.message),
    );
  });

  it('rejects names that did not decode (U+FFFD), pointing at the encoding', () => {
    rejects({ properties: { code: '11', name: '\uFFFD\uFFFD동' }, geometry: square }, /the name field "name" holds undecodable characters .* give --encoding/);
  });
});

describe('readGeoJsonFeatures', () => {
  const dir = suiteTempDir('geo-features-');

  async function collect(path: string): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const f of readGeoJsonFeatures(path, 'sido layer x.geojson')) out.push(f);
    return out;
  }

  it('streams the features of a file', async () => {
    const features = Array.from({ length: 50 }, (_, i) => ({ type: 'Feature', properties: { code: String(i), name: `이름${i}` }, geometry: square }));
    const path = join(dir, 'ok.geojson');
    await writeFile(path, JSON.stringify({ type: 'FeatureCollection', features }));
    assert.deepEqual(await collect(path), features);
  });

  it('prefixes format errors with the label', async () => {
    const path = join(dir, 'feature.geojson');
    await writeFile(path, JSON.stringify({ type: 'Feature', properties: {}, geometry: square }));
    await assert.rejects(collect(path), /^BoundaryImportError: sido layer x\.geojson: not a GeoJSON FeatureCollection/);
  });

  it('reports a feature that is not valid JSON by its number', async () => {
    const path = join(dir, 'bad.geojson');
    await writeFile(path, '{"type":"FeatureCollection","features":[{"a":1},{"a":tru}]}');
    await assert.rejects(collect(path), /sido layer x\.geojson: feature 2 is not valid JSON/);
  });

  it('assertReadableFile names the missing file', async () => {
    await assert.rejects(assertReadableFile(join(dir, 'nope.geojson'), 'sido layer'), /sido layer: file not found: .*nope\.geojson/);
    await assert.rejects(assertReadableFile(dir, 'sido layer'), /not a regular file/);
  });
});
